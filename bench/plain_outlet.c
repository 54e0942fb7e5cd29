/* A plain liblsl outlet, for A/B runs against player-host (bench/ab_outlet.py builds it).
 *
 *     plain_outlet NAME RATE CHANNELS SECONDS CHUNK
 *
 * What a small acquisition program does with liblsl's C API and its defaults: an outlet
 * (float32, `lsl_create_outlet(info, 0, 360)`), created from an ordinary thread; it waits
 * for a consumer, then pushes each chunk of CHUNK frames when its last sample is due
 * (`clock_nanosleep` to that instant on CLOCK_MONOTONIC, the clock of `lsl_local_clock`),
 * with per-sample timestamps t0 + k / RATE (`lsl_push_chunk_ftnp`, pushthrough). Values are
 * a ramp. Linked against the bundled liblsl 1.13 (static) or a current liblsl.so: the same
 * source for both, through the C API they share. */
#include <lsl_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void sleep_until(double t) {
	struct timespec ts;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
	}
}

int main(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: plain_outlet NAME RATE CHANNELS SECONDS CHUNK\n");
		return 2;
	}
	const char *name = argv[1];
	double rate = atof(argv[2]);
	int channels = atoi(argv[3]);
	long frames = (long)(rate * atof(argv[4]));
	long chunk = atol(argv[5]);
	if (rate <= 0 || channels < 1 || frames < 1 || chunk < 1) return 2;
	lsl_streaminfo info = lsl_create_streaminfo(name, "Audio", channels, rate, cft_float32, name);
	lsl_outlet outlet = lsl_create_outlet(info, 0, 360);
	if (!outlet) {
		fprintf(stderr, "no outlet\n");
		return 1;
	}
	float *values = malloc(sizeof(float) * (size_t)channels * (size_t)chunk);
	double *stamps = malloc(sizeof(double) * (size_t)chunk);
	while (!lsl_have_consumers(outlet)) sleep_until(lsl_local_clock() + 0.005);
	double t0 = lsl_local_clock() + 0.1;
	for (long k = 0; k < frames; k += chunk) {
		long n = frames - k < chunk ? frames - k : chunk;
		for (long i = 0; i < n; i++) {
			stamps[i] = t0 + (double)(k + i) / rate;
			for (int c = 0; c < channels; c++) values[i * channels + c] = (float)((k + i) % 1000);
		}
		sleep_until(stamps[n - 1]);
		lsl_push_chunk_ftnp(outlet, values, (unsigned long)(n * channels), stamps, 1);
	}
	/* Let the consumer take the last chunk, as player-host's linger does. */
	sleep_until(lsl_local_clock() + 1.0);
	lsl_destroy_outlet(outlet);
	lsl_destroy_streaminfo(info);
	free(values);
	free(stamps);
	return 0;
}
