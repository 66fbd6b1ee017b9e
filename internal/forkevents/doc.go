// Package forkevents follows the processes a command forks, as the kernel forks
// them, through the process events connector (a netlink socket, which needs
// CAP_NET_ADMIN in the initial user namespace).
//
// Polling /proc for a command's descendants has to choose between cost and
// misses: a process that lives for a few milliseconds (gVisor's ptrace platform
// stub, when the workload fails at once) dies between two polls, and each poll
// of a many-threaded process reads a file per thread. The kernel queues a fork
// event before the new process first runs, so a subscriber that has listened
// since before the command started sees every descendant, however short-lived,
// in an order where each parent precedes its children.
package forkevents
