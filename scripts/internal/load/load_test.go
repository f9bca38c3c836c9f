package load_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/scripts/internal/load"
	"github.com/youthvoice/youthvoice/store"
)

func TestMain(m *testing.M) { os.Exit(store.RunCheckingQueries(m)) }

// The programs' server publishes a survey through its API and answers the
// load Run sends; the result counts what came back.
func TestServerAndRun(t *testing.T) {
	ctx := context.Background()
	srv, err := load.Start(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, owner, err := srv.Store.CreateOrg(ctx, "load test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	def, err := examples.Survey("safety-online-offline.json")
	if err != nil {
		t.Fatal(err)
	}
	id, err := load.CreateAndPublish(srv.Addr, owner, def)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load.CreateAndPublish(srv.Addr, "wrong-token", def); err == nil {
		t.Fatal("published with a wrong token")
	}
	res := load.Run("GET survey", 2, 200*time.Millisecond, func(c, i int, req *fasthttp.Request) {
		req.SetRequestURI("http://" + srv.Addr + "/v1/surveys/" + id)
	})
	if res.Requests == 0 || res.Statuses[200] != res.Requests || res.Errors != 0 || res.BytesPerReq < 1000 {
		t.Fatalf("%+v", res)
	}
	if row := res.String(); !strings.HasPrefix(row, "| GET survey | 2 |") {
		t.Errorf("row %q", row)
	}
}
