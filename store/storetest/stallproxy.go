package storetest

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// StallProxy is a TCP proxy on a loopback port in front of a database
// server. It passes bytes both ways until Stall is called; from then on it
// still accepts connections and reads whatever clients send, but forwards
// nothing and answers nothing, neither on the connections it had nor on
// new ones: a server that hangs (a primary waiting for a majority that is
// unreachable, a network that drops packets) rather than one that refuses,
// which a client notices only through its own deadlines.
type StallProxy struct {
	ln       net.Listener
	upstream string
	stalled  atomic.Bool
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// NewStallProxy starts a proxy to upstream (host:port), closed when the
// test ends.
func NewStallProxy(t testing.TB, upstream string) *StallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("stall proxy: %v", err)
	}
	p := &StallProxy{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *StallProxy) Addr() string { return p.ln.Addr().String() }

// Stall makes the proxy answer nothing from now on. It cannot be undone:
// a reply cut off in the middle has left its connection unusable anyway.
func (p *StallProxy) Stall() { p.stalled.Store(true) }

// Close stops the proxy and closes every connection through it.
func (p *StallProxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	_ = p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// track remembers c so that Close closes it; false when the proxy is
// closed already (c is then closed).
func (p *StallProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *StallProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *StallProxy) serve(client net.Conn) {
	defer p.wg.Done()
	if p.stalled.Load() {
		_, _ = io.Copy(io.Discard, client) // until the client or Close ends it
		return
	}
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(server) {
		_ = client.Close()
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.pipe(server, client)
	}()
	p.pipe(client, server)
}

// pipe copies from src to dst until src ends, dropping everything once the
// proxy is stalled; when src ends, dst is closed too.
func (p *StallProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.stalled.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				// The other side is gone: keep reading src (so that a
				// stalled connection still accepts bytes) only if stalled.
				if !p.stalled.Load() {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// ProxiedURI is uri (a mongodb:// URI with one host, or several of a
// replica set, of which the first is the proxy's upstream) with its hosts
// replaced by the proxy and a direct connection asked for, so that the
// driver does not go round the proxy to the replica set's other members.
func (p *StallProxy) ProxiedURI(uri string) (string, error) {
	start, end, err := hostsOf(uri)
	if err != nil {
		return "", err
	}
	rest := uri[end:]
	switch {
	case rest == "":
		rest = "/?directConnection=true"
	case strings.Contains(rest, "?"):
		rest += "&directConnection=true"
	case strings.HasSuffix(rest, "/"):
		rest += "?directConnection=true"
	default:
		rest += "/?directConnection=true"
	}
	return uri[:start] + p.Addr() + rest, nil
}

// hostsOf finds the host list of a mongodb:// URI: uri[start:end].
func hostsOf(uri string) (start, end int, err error) {
	const scheme = "mongodb://"
	if !strings.HasPrefix(uri, scheme) {
		return 0, 0, errors.New("stall proxy: only mongodb:// URIs can be proxied (not mongodb+srv://)")
	}
	start = len(scheme)
	end = len(uri)
	if i := strings.IndexAny(uri[start:], "/?"); i >= 0 {
		end = start + i
	}
	if at := strings.LastIndex(uri[start:end], "@"); at >= 0 {
		start += at + 1 // user:password@
	}
	if start == end {
		return 0, 0, errors.New("stall proxy: no host in " + uri)
	}
	return start, end, nil
}

// firstHost is the first host:port of a mongodb:// URI.
func firstHost(uri string) (string, error) {
	start, end, err := hostsOf(uri)
	if err != nil {
		return "", err
	}
	h, _, _ := strings.Cut(uri[start:end], ",")
	if _, _, err := net.SplitHostPort(h); err != nil {
		h = net.JoinHostPort(strings.Trim(h, "[]"), "27017")
	}
	return h, nil
}
