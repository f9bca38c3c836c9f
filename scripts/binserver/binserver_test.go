package binserver

import "testing"

// The addresses of /proc/net/tcp and tcp6 are in the kernel's byte order,
// 32 bits at a time; a wrong reading would hide a listener from attack l.
func TestHexAddr(t *testing.T) {
	for in, want := range map[string]string{
		"0100007F:1F90":                         "127.0.0.1:8080",
		"00000000:0050":                         "0.0.0.0:80",
		"00000000000000000000000001000000:1F90": "[::1]:8080",
		"00000000000000000000000000000000:01BB": "[::]:443",
		"not an address":                        "not an address",
	} {
		if got := hexAddr(in); got != want {
			t.Errorf("hexAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
