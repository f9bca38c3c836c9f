package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/youthvoice/youthvoice/api"
)

// config is every setting of the program, with its defaults. It is filled
// from YOUTHVOICE_* environment variables (and MONGODB_URI), then flags,
// and passed down; nothing reads the environment anywhere else.
type config struct {
	Addr            string
	AdminAddr       string
	DataDir         string
	MongoURI        string
	Database        string
	BootstrapToken  string
	HashKey         string
	LogLevel        string
	StoreLogLevel   string
	BodyLimit       int
	SubmitRate      int
	ClientHeader    string
	TrustedProxies  []netip.Prefix
	ShutdownTimeout time.Duration
}

func defaultConfig() config {
	return config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "data",
		Database:        "youthvoice",
		LogLevel:        "info",
		StoreLogLevel:   "error",
		BodyLimit:       1 << 20,
		SubmitRate:      api.DefaultSubmitRate,
		ShutdownTimeout: 15 * time.Second,
	}
}

// setting describes one configuration field for flags, environment and help.
type setting struct {
	flag  string
	env   string
	usage string
	value flag.Value
}

// settings lists every setting; `youthvoice serve --help` prints this list,
// and README.md has the same table.
func (c *config) settings() []setting {
	return []setting{
		{"addr", "YOUTHVOICE_ADDR", "public HTTP listen address", (*stringValue)(&c.Addr)},
		{"admin-addr", "YOUTHVOICE_ADMIN_ADDR", "admin listen address: the only place server-wide /metrics are served (empty: off; keep it private)", (*stringValue)(&c.AdminAddr)},
		{"data-dir", "YOUTHVOICE_DATA_DIR", "directory of the embedded store (used without MONGODB_URI)", (*stringValue)(&c.DataDir)},
		{"mongodb-uri", "MONGODB_URI", "MongoDB server to use instead of the embedded store", (*stringValue)(&c.MongoURI)},
		{"database", "YOUTHVOICE_DATABASE", "database name", (*stringValue)(&c.Database)},
		{"bootstrap-token", "YOUTHVOICE_BOOTSTRAP_TOKEN", "owner token of the organisation \"default\", created at start-up when no organisation exists", (*stringValue)(&c.BootstrapToken)},
		{"hash-key", "YOUTHVOICE_HASH_KEY", "secret (at least 32 characters) for keyed hashes of submission ids and access codes; empty: one kept in the database", (*stringValue)(&c.HashKey)},
		{"log-level", "YOUTHVOICE_LOG_LEVEL", "log level: debug, info, warn, error", (*stringValue)(&c.LogLevel)},
		{"store-log-level", "YOUTHVOICE_STORE_LOG_LEVEL", "log level of the embedded FerretDB's own logging", (*stringValue)(&c.StoreLogLevel)},
		{"body-limit", "YOUTHVOICE_BODY_LIMIT", "largest request body in bytes (workbook uploads: 5 MiB)", (*intValue)(&c.BodyLimit)},
		{"submit-rate", "YOUTHVOICE_SUBMIT_RATE", "submissions one client address may send a minute (0: no limit); the default lets a school class of 35 behind one address answer together, retries included", (*intValue)(&c.SubmitRate)},
		{"client-header", "YOUTHVOICE_CLIENT_HEADER", "header in which a trusted proxy passes the client's address, for the rate limit (X-Forwarded-For: its last address)", (*stringValue)(&c.ClientHeader)},
		{"trusted-proxies", "YOUTHVOICE_TRUSTED_PROXIES", "comma-separated addresses or CIDR ranges of the proxies whose client header is believed", (*prefixesValue)(&c.TrustedProxies)},
		{"shutdown-timeout", "YOUTHVOICE_SHUTDOWN_TIMEOUT", "how long shutdown waits for requests in flight", (*durationValue)(&c.ShutdownTimeout)},
	}
}

// writeSettings lists every setting of command name (serve) with its
// value in c: the defaults, or what the environment set.
func writeSettings(w io.Writer, name string, c config) {
	fmt.Fprintf(w, "Usage: youthvoice %s [flags]\n\nSettings of %s (flag, environment variable, value):\n", name, name)
	for _, s := range c.settings() {
		fmt.Fprintf(w, "  --%-18s %-28s %s\n  %21s default %q\n", s.flag, s.env, s.usage, "", s.value.String())
	}
}

// parseConfig fills c from the environment, then from args.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (config, []string, error) {
	c := defaultConfig()
	fs := flag.NewFlagSet("youthvoice "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range c.settings() {
		if v := getenv(s.env); v != "" {
			if err := s.value.Set(v); err != nil {
				return c, nil, fmt.Errorf("%s=%q: %w", s.env, v, err)
			}
		}
		fs.Var(s.value, s.flag, s.usage+" (env "+s.env+")")
	}
	fs.Usage = func() { writeSettings(stderr, name, c) }
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if (c.ClientHeader == "") != (len(c.TrustedProxies) == 0) {
		return c, nil, fmt.Errorf("YOUTHVOICE_CLIENT_HEADER and YOUTHVOICE_TRUSTED_PROXIES go together: a client header is believed only from trusted proxies")
	}
	if c.HashKey != "" && len(c.HashKey) < 32 {
		return c, nil, fmt.Errorf("YOUTHVOICE_HASH_KEY must have at least 32 characters")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return c, nil, err
	}
	if _, err := parseLevel(c.StoreLogLevel); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return l, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

// prefixesValue is a comma-separated list of addresses (10.0.0.7) and
// CIDR ranges (10.0.0.0/8).
type prefixesValue []netip.Prefix

func (v *prefixesValue) Set(s string) error {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			if p.Addr().Is4In6() && p.Bits() >= 96 { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return fmt.Errorf("%q is neither an address nor a CIDR range", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	*v = out
	return nil
}

func (v *prefixesValue) String() string {
	parts := make([]string, len(*v))
	for i, p := range *v {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not a whole number")
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("not a duration such as 15s")
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }
