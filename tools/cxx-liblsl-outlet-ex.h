/* Force-included by tools/cxx into the bundled liblsl 1.13's src/lsl_outlet_c.cpp only
 * (after tools/cxx-liblsl-queue-fix.h), before anything else.
 *
 * liblsl 1.13's lsl_create_outlet takes what an outlet keeps for each consumer in whole
 * seconds of data (max_buffered x the nominal rate, in samples): at least 1 s, 493 MB for
 * 4096 float32 channels at 30 kHz, where the player means to keep 64 MiB (issue 24).
 * liblsl 1.14 added lsl_create_outlet_ex, whose flag transp_bufsize_samples (1) makes
 * max_buffered a number of samples; this gives the bundled 1.13 that function, with that
 * flag (any other flag: as lsl_create_outlet). The player calls it as it calls a current
 * liblsl's (crates/player-host/src/transport/liblsl.rs). A bundled liblsl built without
 * this file lacks the symbol: the player then fails to link, never runs with whole seconds
 * unknowingly. See docs/dependencies.md. */
#if defined(__cplusplus)
#include "stream_outlet_impl.h"
#include <exception>
#include <iostream>

extern "C" {
#include "../include/lsl_c.h"

LIBLSL_C_API lsl_outlet lsl_create_outlet_ex(
	lsl_streaminfo info, int32_t chunk_size, int32_t max_buffered, int32_t flags) {
	if (flags != 1) return lsl_create_outlet(info, chunk_size, max_buffered);
	try {
		lsl::stream_info_impl *infoimpl = (lsl::stream_info_impl *)info;
		return (lsl_outlet) new lsl::stream_outlet_impl(*infoimpl, chunk_size, max_buffered);
	} catch (std::exception &e) {
		std::cerr << "Unexpected error during construction of stream outlet: " << e.what()
				  << std::endl;
		return NULL;
	}
}
}
#endif
