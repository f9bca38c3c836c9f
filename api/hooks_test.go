package api

// CacheSizes reports what the summary caches hold: releases kept and
// their estimated bytes, renderings kept and their bytes (tests).
func CacheSizes(s *Server) (releases, releaseBytes, renderings, renderingBytes int) {
	return s.protected.sizes()
}
