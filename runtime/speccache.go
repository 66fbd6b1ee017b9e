package runtime

import (
	"bytes"
	"slices"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// specCacheSize is how many config.json contents a runtime keeps parsed: a service
// runs a handful of bundle shapes over and over.
const specCacheSize = 8

// specCacheMaxBytes bounds the config.json files kept (a few kB is usual; a large
// seccomp profile makes tens): a larger one is parsed on every load, so the cache
// never holds more than specCacheSize of these.
const specCacheMaxBytes = 1 << 20

// specCache keeps a runtime's recently parsed config.json files, keyed by their bytes.
// Every create still reads the bundle's config.json and checks its root filesystem;
// only the parse, which is a pure function of the bytes, and the encoding of the copy
// given to runsc (hostnamed) are reused. Decoding a spec with a seccomp profile costs
// about 0.3 ms, and a run of /bin/true spends about 3 ms of its own before and after
// runsc: this is on that path.
type specCache struct {
	mu      sync.Mutex
	entries []*parsedSpec // the most recently used last
}

// parsedSpec is one config.json's contents, parsed and validated (parseSpec).
type parsedSpec struct {
	data   []byte
	client bool
	spec   *specs.Spec // shared by every Bundle made from the entry: never modified

	mu              sync.Mutex
	forDir, forRoot string // the bundle and root hostlessJSON was made for
	hostlessJSON    []byte
}

// load is loadBundle, with the parse taken from the cache when dir's config.json has
// the same contents as one parsed before.
func (sc *specCache) load(dir string, client bool) (*Bundle, error) {
	real, data, err := readBundle(dir)
	if err != nil {
		return nil, err
	}
	p := sc.lookup(data, client)
	if p == nil {
		s, err := parseSpec(dir, data, client)
		if err != nil {
			return nil, err
		}
		p = &parsedSpec{data: data, client: client, spec: s}
		if len(data) <= specCacheMaxBytes {
			p = sc.add(p)
		}
	}
	b, err := checkRoot(dir, real, p.spec, client)
	if err != nil {
		return nil, err
	}
	b.parsed = p
	return b, nil
}

// lookup returns the entry for data and client, if kept, as the most recently used.
func (sc *specCache) lookup(data []byte, client bool) *parsedSpec {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	i := sc.find(data, client)
	if i < 0 {
		return nil
	}
	p := sc.entries[i]
	sc.entries = append(append(sc.entries[:i:i], sc.entries[i+1:]...), p)
	return p
}

// add keeps p, dropping the least recently used entry when full, and returns it; or
// returns the entry for the same contents that a concurrent load added first.
func (sc *specCache) add(p *parsedSpec) *parsedSpec {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if i := sc.find(p.data, p.client); i >= 0 {
		return sc.entries[i]
	}
	if len(sc.entries) == specCacheSize {
		sc.entries = append(sc.entries[:0:0], sc.entries[1:]...)
	}
	sc.entries = append(sc.entries, p)
	return p
}

// find is the index of the entry for data and client, or -1; sc.mu is held.
func (sc *specCache) find(data []byte, client bool) int {
	return slices.IndexFunc(sc.entries, func(p *parsedSpec) bool {
		return p.client == client && bytes.Equal(p.data, data)
	})
}

// hostless is hostlessConfig(b) for a b made from p, encoded once per bundle and root.
func (p *parsedSpec) hostless(b *Bundle) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hostlessJSON == nil || p.forDir != b.Dir || p.forRoot != b.Root {
		data, err := hostlessConfig(b)
		if err != nil {
			return nil, err
		}
		p.hostlessJSON, p.forDir, p.forRoot = data, b.Dir, b.Root
	}
	return p.hostlessJSON, nil
}
