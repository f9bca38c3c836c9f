package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

var adminLine = regexp.MustCompile(`"msg":"admin listening","addr":"([^"]+)"`)

// Server-wide metrics are served on --admin-addr only, at exactly
// /metrics; the public address has no /metrics, whatever the token.
func TestMetricsOnlyOnTheAdminAddress(t *testing.T) {
	t.Parallel()
	vars := with(storeVars(t), "YOUTHVOICE_BOOTSTRAP_TOKEN", "T-owner-token", "YOUTHVOICE_ADMIN_ADDR", "127.0.0.1:0")
	addr, logs, stop := startServe(t, vars)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	var admin string
	for deadline := time.Now().Add(10 * time.Second); admin == ""; time.Sleep(20 * time.Millisecond) {
		if m := adminLine.FindStringSubmatch(logs.String()); m != nil {
			admin = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no admin address:\n%s", logs.String())
		}
	}
	get(t, "http://"+addr+"/healthz")
	for _, path := range []string{"/metrics", "/METRICS", "/metrics/"} {
		if st, body := get(t, "http://"+addr+path, "Authorization", "Bearer T-owner-token"); st != 404 || strings.Contains(body, "youthvoice_") {
			t.Errorf("public %s with the owner token: %d %.200s", path, st, body)
		}
	}
	st, body := get(t, "http://"+admin+"/metrics")
	if st != 200 || !strings.Contains(body, `youthvoice_http_requests_total{method="GET",route="/healthz",status="200"}`) {
		t.Fatalf("admin /metrics: %d %.500s", st, body)
	}
	for _, path := range []string{"/METRICS", "/metrics/", "/"} {
		if st, _ := get(t, "http://"+admin+path); st != 404 {
			t.Errorf("admin %s: %d", path, st)
		}
	}
}

// The command line cannot revoke an organisation's last live owner token
// either.
func TestTokenRevokeKeepsTheLastOwner(t *testing.T) {
	t.Parallel()
	vars := storeVars(t)
	var out bytes.Buffer
	if err := run(t.Context(), []string{"org", "create", "--name", "o", "--create-store"}, env(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	orgID := regexp.MustCompile(`organisation: (\S+)`).FindStringSubmatch(out.String())[1]
	ownerIDs := func() []string {
		cfg := defaultConfig()
		cfg.DataDir, cfg.MongoURI = vars["YOUTHVOICE_DATA_DIR"], vars["MONGODB_URI"]
		cfg.Database = cmp.Or(vars["YOUTHVOICE_DATABASE"], cfg.Database)
		st, err := openStore(t.Context(), "test", cfg, newLogger(io.Discard, "error"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close(context.WithoutCancel(t.Context()))
		list, err := st.Tokens(t.Context(), orgID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tk := range list {
			if tk.Role == surveys.Owner && tk.RevokedAt == nil {
				ids = append(ids, tk.ID)
			}
		}
		return ids
	}
	first := ownerIDs()
	if len(first) != 1 {
		t.Fatalf("%d owner tokens", len(first))
	}
	err := run(t.Context(), []string{"token", "revoke", "--id", first[0]}, env(vars), io.Discard, io.Discard)
	if !errors.Is(err, store.ErrLastOwnerToken) || exitCode(err) != 1 || !strings.Contains(err.Error(), "create another owner token first") {
		t.Fatalf("revoking the last owner token: %v", err)
	}
	if got := ownerIDs(); len(got) != 1 {
		t.Fatalf("after the refusal: %d live owner tokens", len(got))
	}
	if err := run(t.Context(), []string{"token", "create", "--org", orgID, "--role", "owner"}, env(vars), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), []string{"token", "revoke", "--id", first[0]}, env(vars), io.Discard, io.Discard); err != nil {
		t.Fatalf("revoking one of two owner tokens: %v", err)
	}
	if got := ownerIDs(); len(got) != 1 || got[0] == first[0] {
		t.Fatalf("after revoking the first: %v", got)
	}
}

// The default rate limit is the API's, which lets a class of 35 answer
// together (TestAClassBehindOneAddressCanAnswer in api).
func TestDefaultSubmitRateFitsAClass(t *testing.T) {
	c := defaultConfig()
	if c.SubmitRate != api.DefaultSubmitRate || c.SubmitRate < 3*35 {
		t.Fatalf("default submit rate %d", c.SubmitRate)
	}
	var help bytes.Buffer
	if err := run(t.Context(), []string{"serve", "--help"}, env(nil), io.Discard, &help); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(help.String(), `default "120"`) {
		t.Errorf("help does not show the default of 120:\n%s", help.String())
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "| `--submit-rate` | `YOUTHVOICE_SUBMIT_RATE` | `120` |") {
		t.Error("README's table does not give the default of 120")
	}
}
