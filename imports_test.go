package callseal_test

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const modulePath = "github.com/callseal/callseal"

// importRule is one row of the table "What each package may import" in
// docs/ARCHITECTURE.md: the packages it covers and what they may import.
type importRule struct {
	packages []string // module-relative paths; a trailing "/*" covers a folder's packages
	callseal []string // module-relative paths; nil with anyCallseal
	outside  []string // import paths outside the standard library, or prefixes ending in "/"
	anyCallseal,
	anyOutside bool
}

// readImportRules parses the import table of docs/ARCHITECTURE.md, so the
// document is the rule this test enforces.
func readImportRules(t *testing.T) []importRule {
	t.Helper()
	f, err := os.Open("docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rules []importRule
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == "## What each package may import"
			continue
		case !in || !strings.HasPrefix(line, "| `"):
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("ARCHITECTURE.md: import table row %q has %d cells, want 3", line, len(cells))
		}
		r := importRule{packages: codeSpans(cells[0])}
		r.callseal, r.anyCallseal = listCell(cells[1])
		r.outside, r.anyOutside = listCell(cells[2])
		rules = append(rules, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rules) == 0 {
		t.Fatal("ARCHITECTURE.md: no import table found")
	}
	return rules
}

// listCell parses a table cell: "nothing", "any", or code spans naming
// packages (for the outside column, module paths without "github.com/",
// or names like "pion" that stand for a prefix).
func listCell(cell string) (names []string, any bool) {
	if strings.HasPrefix(strings.TrimSpace(cell), "any") {
		return nil, true
	}
	return codeSpans(cell), false
}

// codeSpans returns the `quoted` words of s.
func codeSpans(s string) []string {
	var out []string
	parts := strings.Split(s, "`")
	for i := 1; i < len(parts); i += 2 {
		out = append(out, parts[i])
	}
	return out
}

// covers reports whether the rule's package list names pkg.
func (r importRule) covers(pkg string) bool {
	for _, p := range r.packages {
		if p == pkg || (strings.HasSuffix(p, "/*") && strings.HasPrefix(pkg, strings.TrimSuffix(p, "*"))) ||
			(p == "callseal" && pkg == ".") {
			return true
		}
	}
	return false
}

// allows reports whether the rule lets its packages import imp (a full
// import path).
func (r importRule) allows(imp string) bool {
	if rel, ok := strings.CutPrefix(imp, modulePath); ok {
		if r.anyCallseal {
			return true
		}
		rel = strings.TrimPrefix(rel, "/")
		for _, p := range r.callseal {
			if p == rel {
				return true
			}
		}
		return false
	}
	if !strings.Contains(strings.Split(imp, "/")[0], ".") {
		return true // the standard library
	}
	if r.anyOutside {
		return true
	}
	short := strings.TrimPrefix(imp, "github.com/")
	for _, o := range r.outside {
		if short == o || strings.HasPrefix(short, o+"/") || strings.HasPrefix(imp, o+"/") || imp == o {
			return true
		}
	}
	return false
}

// TestImportRules checks every package's imports (not its tests') against
// the table in docs/ARCHITECTURE.md, and that the table covers every
// package.
func TestImportRules(t *testing.T) {
	rules := readImportRules(t)
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], modulePath), "/")
		if pkg == "" {
			pkg = "."
		}
		var rule *importRule
		for i := range rules {
			if rules[i].covers(pkg) {
				rule = &rules[i]
				break
			}
		}
		if rule == nil {
			t.Errorf("package %s has no row in ARCHITECTURE.md's import table", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !rule.allows(imp) {
				t.Errorf("%s imports %s, which ARCHITECTURE.md does not allow it", pkg, imp)
			}
		}
	}
}
