package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/store"
)

// No command but serve (and org create with --create-store) makes a store:
// pointed at a data directory that holds none, each refuses, naming the
// directory and the way out, and leaves nothing behind (not even the
// directory).
func TestCommandsNeverMakeAStore(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("the embedded store's data directory")
	}
	t.Parallel()
	parent := t.TempDir()
	empty := filepath.Join(parent, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(parent, "missing")
	out := filepath.Join(parent, "out.csv")
	for _, dir := range []string{empty, missing} {
		for _, args := range [][]string{
			{"org", "list"},
			{"org", "create", "--name", "Nowhere"},
			{"org", "rename", "--id", "default", "--name", "Nowhere"},
			{"token", "list", "--org", "default"},
			{"token", "create", "--org", "default", "--role", "owner"},
			{"token", "revoke", "--id", "x"},
			{"recount", "--survey", "x"},
			{"export", "--survey", "x", "--format", "csv", "--out", out},
		} {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), append(args, "--data-dir", dir), env(nil), &stdout, &stderr)
			want := "no YouthVoice store in " + dir + " (there is no youthvoice.sqlite): run the command in the directory that holds the server's data directory, or name it with --data-dir DIR"
			if err == nil || !strings.HasPrefix(err.Error(), want) || exitCode(err) != 1 || stdout.Len() != 0 {
				t.Errorf("%q in %s: %v (exit %d), %q", args, dir, err, exitCode(err), stdout.String())
				continue
			}
			if create := strings.Contains(err.Error(), "--create-store"); create != (args[0] == "org" && args[1] == "create") {
				t.Errorf("%q: --create-store offered: %v", args, create)
			}
		}
	}
	if entries, err := os.ReadDir(empty); err != nil || len(entries) != 0 {
		t.Errorf("the empty data directory now holds %v (%v)", entries, err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("the missing data directory was made: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("export wrote a file: %v", err)
	}
	// With --create-store, org create makes the store; then the others use it.
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"org", "create", "--name", "Första", "--data-dir", missing, "--create-store"}, env(nil), &stdout, &stderr); err != nil {
		t.Fatalf("org create --create-store: %v\n%s", err, stderr.String())
	}
	if got := stderr.String(); got != "store: embedded store in "+missing+", database youthvoice (new)\n" {
		t.Errorf("stderr: %q", got)
	}
	stderr.Reset()
	if err := run(t.Context(), []string{"org", "list"}, env(map[string]string{"YOUTHVOICE_DATA_DIR": missing}), io.Discard, &stderr); err != nil ||
		stderr.String() != "store: embedded store in "+missing+", database youthvoice\n" {
		t.Fatalf("org list: %v %q", err, stderr.String())
	}
	// Another database name in the same directory is another store.
	err := run(t.Context(), []string{"org", "list", "--data-dir", missing, "--database", "other"}, env(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "there is no other.sqlite") {
		t.Errorf("another database: %v", err)
	}
}

// org list, token list and org rename work on the store directly and, while
// serve runs, inside it (the command says which store, and through whom);
// the renamed bootstrap organisation is what the API shows; token list
// never shows a secret.
func TestOrgListRenameAndTokenList(t *testing.T) {
	t.Parallel()
	vars := with(storeVars(t), "YOUTHVOICE_BOOTSTRAP_TOKEN", "T-list-token")
	dir := vars["YOUTHVOICE_DATA_DIR"]
	addr, logs, stop := startServe(t, vars)
	stopped := false
	defer func() {
		if !stopped {
			_ = stop()
		}
	}()
	cmd := func(args ...string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), args, env(vars), &stdout, &stderr); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	out, errOut := cmd("org", "create", "--name", "Socialdepartementet")
	ministry := regexp.MustCompile(`organisation: (\S+)`).FindStringSubmatch(out)[1]
	if dir != "" {
		want := regexp.MustCompile(`^store: embedded store in ` + regexp.QuoteMeta(dir) + `, database youthvoice, through youthvoice serve \(pid \d+\)\n$`)
		if !want.MatchString(errOut) {
			t.Errorf("org create through the server said %q", errOut)
		}
	} else if !strings.HasPrefix(errOut, "store: MongoDB ") || strings.Contains(errOut, "@") {
		t.Errorf("org create on MongoDB said %q", errOut)
	}
	out, _ = cmd("org", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !regexp.MustCompile(`^ID\s+NAME\s+CREATED\s+LIVE TOKENS$`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^default\s+default\s+\d{4}-\d\d-\d\dT\S+Z\s+1$`).MatchString(lines[1]) ||
		!regexp.MustCompile(`^`+ministry+`\s+Socialdepartementet\s+\S+\s+1$`).MatchString(lines[2]) {
		t.Fatalf("org list:\n%s", out)
	}
	out, _ = cmd("token", "create", "--org", "default", "--role", "analyst", "--name", "the report")
	secret := regexp.MustCompile(`token:\s+(yv_\S+)`).FindStringSubmatch(out)[1]
	out, _ = cmd("token", "list", "--org", "default")
	if strings.Contains(out, "yv_") || strings.Contains(out, secret) || strings.Contains(out, "T-list-token") ||
		!regexp.MustCompile(`(?m)^\S+\s+owner\s+bootstrap token\s+\S+Z\s+-$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^\S+\s+analyst\s+the report\s+\S+Z\s+-$`).MatchString(out) {
		t.Fatalf("token list:\n%s", out)
	}
	var stderr bytes.Buffer
	if err := run(t.Context(), []string{"token", "list", "--org", "nobody"}, env(vars), io.Discard, &stderr); err == nil || !strings.Contains(err.Error(), `organisation "nobody": not found`) {
		t.Errorf("token list of nobody: %v", err)
	}
	if err := run(t.Context(), []string{"org", "rename", "--id", "default", "--name", "Two\nlines"}, env(vars), io.Discard, io.Discard); exitCode(err) != 2 ||
		!strings.Contains(err.Error(), "one line of plain text") {
		t.Errorf("a bad name: %v", err)
	}

	// The bootstrap organisation gets a real name: the server shows it at once.
	out, _ = cmd("org", "rename", "--id", "default", "--name", "Ungdomsrådet Malmö")
	if out != "renamed organisation default: \"default\" -> \"Ungdomsrådet Malmö\"\n" {
		t.Errorf("org rename said %q", out)
	}
	if st, b := get(t, "http://"+addr+"/v1/org", "Authorization", "Bearer T-list-token"); st != 200 || !strings.Contains(b, `"name":"Ungdomsrådet Malmö"`) {
		t.Fatalf("GET /v1/org: %d %s", st, b)
	}
	if st, b := get(t, "http://"+addr+"/v1/org/audit", "Authorization", "Bearer T-list-token"); st != 200 ||
		!regexp.MustCompile(`"token_id":"cli","action":"org_rename"|"action":"org_rename"[^}]*"token_id":"cli"`).MatchString(b) {
		t.Fatalf("audit: %d %s", st, b)
	}
	if dir != "" && !strings.Contains(logs.String(), `"msg":"ran a command for the command line","command":"org","exit":0`) {
		t.Errorf("the server did not run them:\n%s", logs.String())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	// Without the server: the same store, opened by the command.
	out, errOut = cmd("org", "list")
	if !strings.Contains(out, "Ungdomsrådet Malmö") || strings.Contains(errOut, "through") {
		t.Fatalf("org list after the server stopped: %s%s", out, errOut)
	}
}

// A data directory held by something that is not a server taking commands
// is refused, naming the holder, and no store line claims otherwise.
func TestCommandsRefuseAHolderThatDoesNotAnswer(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("the embedded store's data directory")
	}
	t.Parallel()
	dir := t.TempDir()
	st, err := store.Open(store.WithHolder(t.Context(), "a backup script"), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	var stderr bytes.Buffer
	err = run(t.Context(), []string{"org", "list", "--data-dir", dir}, env(nil), io.Discard, &stderr)
	want := regexp.MustCompile(`^data directory ` + regexp.QuoteMeta(dir) + ` is in use by a backup script, pid \d+, since \S+; this command can run only while nothing else uses the directory, or through a running youthvoice serve \(its control socket does not answer: `)
	if err == nil || !want.MatchString(err.Error()) || exitCode(err) != 1 || stderr.Len() != 0 {
		t.Fatalf("%v (exit %d); stderr %q", err, exitCode(err), stderr.String())
	}
}

// --help and -h list every command, then serve's settings; each command's
// --help shows its flags; a command with subcommands lists them.
func TestHelpListsEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		var stdout bytes.Buffer
		if err := run(t.Context(), args, env(nil), &stdout, io.Discard); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		for _, cmd := range commands() {
			if !regexp.MustCompile(`(?m)^  ` + cmd.name + ` +\S`).MatchString(stdout.String()) {
				t.Errorf("%q does not list %s:\n%s", args, cmd.name, stdout.String())
			}
		}
		c := defaultConfig()
		for _, s := range c.settings() {
			if !strings.Contains(stdout.String(), "--"+s.flag) {
				t.Errorf("%q lacks serve's --%s", args, s.flag)
			}
		}
	}
	for name, sc := range storeCommands {
		var stderr bytes.Buffer
		if err := run(t.Context(), append(strings.Fields(name), "--help"), env(nil), io.Discard, &stderr); err != nil {
			t.Errorf("%s --help: %v", name, err)
		}
		if !strings.HasPrefix(stderr.String(), "Usage: youthvoice "+name) || !strings.Contains(stderr.String(), sc.about) ||
			!strings.Contains(stderr.String(), "-data-dir") {
			t.Errorf("%s --help:\n%s", name, stderr.String())
		}
		if sc.mayCreate != strings.Contains(stderr.String(), "-create-store") {
			t.Errorf("%s --help and --create-store:\n%s", name, stderr.String())
		}
	}
	var stdout bytes.Buffer
	if err := run(t.Context(), []string{"token", "--help"}, env(nil), &stdout, io.Discard); err != nil ||
		!strings.Contains(stdout.String(), "youthvoice token list --org ID") {
		t.Errorf("token --help: %v\n%s", err, stdout.String())
	}
	if err := run(t.Context(), []string{"token"}, env(nil), io.Discard, io.Discard); exitCode(err) != 2 {
		t.Errorf("token alone: %v", err)
	}
	if err := run(t.Context(), []string{"nonsense"}, env(nil), io.Discard, io.Discard); exitCode(err) != 2 {
		t.Errorf("an unknown command: %v", err)
	}
}
