package load

import (
	"context"
	"log/slog"
	"net"
	"os"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
)

// Server is the real server on a fresh embedded store in a temporary
// directory, listening on a loopback port, as the programs under scripts/
// measure it.
type Server struct {
	Store  *store.Store
	API    *api.Server
	Addr   string
	Key    []byte // the keyed-hash secret
	dir    string
	cancel context.CancelFunc
}

// Start opens a fresh store and starts the server (with its summarizer);
// configure may change the server's options. Close stops both.
func Start(ctx context.Context, configure func(*api.Options)) (*Server, error) {
	dir, err := os.MkdirTemp("", "youthvoice-load")
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler), EngineLogLevel: slog.LevelError + 4})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{Store: st, dir: dir}
	if s.Key, err = st.SecretKey(ctx); err != nil {
		s.Close()
		return nil, err
	}
	cat, err := i18n.New()
	if err != nil {
		s.Close()
		return nil, err
	}
	opts := api.Options{Store: st, Catalog: cat, Metrics: api.NewMetrics("load"), HashKey: s.Key, Logger: slog.New(slog.DiscardHandler)}
	if configure != nil {
		configure(&opts)
	}
	s.API = api.New(opts)
	if s.Addr, err = Serve(s.API.Serve); err != nil {
		s.Close()
		return nil, err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go s.API.RunSummarizer(bg)
	return s, nil
}

// Close stops the server and removes its store.
func (s *Server) Close() {
	ctx := context.Background()
	if s.cancel != nil {
		s.cancel()
	}
	if s.API != nil {
		_ = s.API.Shutdown(ctx)
	}
	_ = s.Store.Close(ctx)
	os.RemoveAll(s.dir)
}

// Serve starts a server on a free loopback port and returns its address.
func Serve(listen func(net.Listener) error) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = listen(ln) }()
	return ln.Addr().String(), nil
}
