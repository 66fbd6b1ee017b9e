package tla

import (
	"fmt"
	"strings"
)

// tokKind classifies a token.
type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tNum
	tStr
	tOp      // punctuation and operator symbols, including \-words such as \in
	tSep     // ---- (four or more dashes)
	tEnd     // ==== (four or more equals signs)
	tIllegal // a character no token starts with; an error only if the parser reaches it
	tStep    // proof step label <1>, <*>, <+> starting a line
)

// token is one lexeme with its 1-based position.
type token struct {
	kind tokKind
	text string
	line int
	col  int
	// endLine/endCol locate the last character, for TLC-style spans.
	endLine, endCol int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tStr:
		return fmt.Sprintf("string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// operators lists multi-character symbols, longest first within each prefix, so the
// lexer can take the longest match.
var operators = []string{
	"<=>", "=>", "==", "=<", "=|", "<=", "<>", "<<", "<-", "<:",
	">=", ">>", "/\\", "\\/", "/=", "//", "~>", "[]", "|->", "->", "-+->", "--", "-|",
	"...", "..", "::=", "::", ":=", ":>", "@@", "++", "**", "^^", "^+", "^*", "^#",
	"%%", "&&", "||", "|-", "|=", "$$", "##", "!!", "??", "(+)", "(-)", "(.)", "(/)", "(\\X)",
	"=", "<", ">", "/", "~", "[", "]", "(", ")", "{", "}", ",", ":", ".", "@", "!", "'",
	"+", "-", "*", "^", "%", "&", "|", "$", "#", "_", ";",
}

// lexer turns a module text into tokens. It never fails: characters that start no token
// become tIllegal tokens, so errors surface with a position when the parser meets them.
type lexer struct {
	src  string
	pos  int
	line int
	col  int
}

func isLetter(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (lx *lexer) adv(n int) {
	for i := 0; i < n && lx.pos < len(lx.src); i++ {
		if lx.src[lx.pos] == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
		lx.pos++
	}
}

// skipSpace skips blanks and comments. An unterminated block comment runs to the end.
func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f':
			lx.adv(1)
		case strings.HasPrefix(lx.src[lx.pos:], "\\*"):
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.adv(1)
			}
		case strings.HasPrefix(lx.src[lx.pos:], "(*"):
			depth := 0
			for lx.pos < len(lx.src) {
				if strings.HasPrefix(lx.src[lx.pos:], "(*") {
					depth++
					lx.adv(2)
				} else if strings.HasPrefix(lx.src[lx.pos:], "*)") {
					depth--
					lx.adv(2)
					if depth == 0 {
						break
					}
				} else {
					lx.adv(1)
				}
			}
		default:
			return
		}
	}
}

// lexAll tokenizes src completely.
func lexAll(src string) []token {
	lx := &lexer{src: src, line: 1, col: 1}
	var toks []token
	for {
		lx.skipSpace()
		if lx.pos >= len(lx.src) {
			toks = append(toks, token{kind: tEOF, line: lx.line, col: lx.col, endLine: lx.line, endCol: lx.col})
			return toks
		}
		start, line, col := lx.pos, lx.line, lx.col
		kind := lx.next()
		text := lx.src[start:lx.pos]
		if kind == tStr {
			text = unquote(text)
		}
		t := token{kind: kind, text: text, line: line, col: col, endLine: lx.line, endCol: lx.col - 1}
		// WF_v and SF_v: split the prefix from the subscript.
		if kind == tIdent && (strings.HasPrefix(text, "WF_") || strings.HasPrefix(text, "SF_")) {
			t.text = text[:3]
			t.endLine, t.endCol = line, col+2
			toks = append(toks, t)
			if len(text) > 3 {
				toks = append(toks, token{kind: tIdent, text: text[3:], line: line, col: col + 3, endLine: line, endCol: lx.col - 1})
			}
			continue
		}
		toks = append(toks, t)
	}
}

func unquote(s string) string {
	if len(s) < 2 {
		return ""
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'f':
				b.WriteByte('\f')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (lx *lexer) next() tokKind {
	s := lx.src[lx.pos:]
	c := s[0]
	switch {
	case c == '"':
		i := 1
		for i < len(s) && s[i] != '"' && s[i] != '\n' {
			if s[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(s) || s[i] != '"' {
			lx.adv(i)
			return tIllegal
		}
		lx.adv(i + 1)
		return tStr
	case isDigit(c):
		i := 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		// Identifiers may start with digits (e.g. 1st); keep them whole.
		if i < len(s) && isLetter(s[i]) {
			for i < len(s) && (isLetter(s[i]) || isDigit(s[i])) {
				i++
			}
			lx.adv(i)
			return tIdent
		}
		lx.adv(i)
		return tNum
	case isLetter(c):
		i := 0
		for i < len(s) && (isLetter(s[i]) || isDigit(s[i])) {
			i++
		}
		lx.adv(i)
		return tIdent
	case c == '-' && strings.HasPrefix(s, "----"):
		i := 0
		for i < len(s) && s[i] == '-' {
			i++
		}
		lx.adv(i)
		return tSep
	case c == '=' && strings.HasPrefix(s, "===="):
		i := 0
		for i < len(s) && s[i] == '=' {
			i++
		}
		lx.adv(i)
		return tEnd
	case c == '<' && lx.lineStart():
		i := 1
		for i < len(s) && (isDigit(s[i]) || s[i] == '*' || s[i] == '+') {
			i++
		}
		if i > 1 && i < len(s) && s[i] == '>' {
			lx.adv(i + 1)
			return tStep
		}
	}
	switch {
	case c == '\\':
		if len(s) > 1 && isLetter(s[1]) {
			i := 1
			for i < len(s) && (isLetter(s[i]) || isDigit(s[i])) {
				i++
			}
			lx.adv(i)
			return tOp
		}
		if strings.HasPrefix(s, "\\/") {
			lx.adv(2)
			return tOp
		}
		lx.adv(1)
		return tOp
	}
	for _, op := range operators {
		if strings.HasPrefix(s, op) {
			lx.adv(len(op))
			return tOp
		}
	}
	lx.adv(1)
	return tIllegal
}

// lineStart reports whether only blanks precede the current position on its line.
func (lx *lexer) lineStart() bool {
	for i := lx.pos - 1; i >= 0; i-- {
		switch lx.src[i] {
		case '\n':
			return true
		case ' ', '\t', '\r':
			continue
		default:
			return false
		}
	}
	return true
}
