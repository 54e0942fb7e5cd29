/* Force-included by tools/cxx into every C++ file of the bundled liblsl 1.13's own sources
 * (lsl-sys 0.1.1, liblsl/src/), before anything else.
 *
 * liblsl 1.13 queues each consumer's samples in a boost::lockfree::spsc_queue (one producer,
 * one consumer), but when a consumer's queue is full the pushing thread drops the oldest
 * sample by popping it itself (consumer_queue::push_sample), while the consumer's transfer
 * thread pops too: two consumers of a single-consumer queue. With several consumers that
 * fall behind and catch up (slow inlets on a busy machine), the race loses samples'
 * reference counts and liblsl's sample pool: the player's memory grew by every sample pushed
 * (8 MB/s for 48 kHz x 32 channels, without bound). liblsl fixed it in 1.14 with a lock
 * (sccn/liblsl#71) and in 1.16 with a multi-consumer queue (sccn/liblsl#91).
 *
 * This makes the queue that consumer_queue.h names a locked one: the same boost queue behind
 * one mutex (its only users are consumer_queue's push, pop and empty). See
 * docs/dependencies.md. */
#if defined(__cplusplus)
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <mutex>

namespace lslboost {
namespace lockfree {
template <typename T> class player_locked_spsc_queue {
public:
	explicit player_locked_spsc_queue(std::size_t capacity) : queue_(capacity) {}
	template <typename U> bool push(const U &item) {
		std::lock_guard<std::mutex> lock(mutex_);
		return queue_.push(item);
	}
	template <typename U> bool pop(U &item) {
		std::lock_guard<std::mutex> lock(mutex_);
		return queue_.pop(item);
	}
	bool empty() {
		std::lock_guard<std::mutex> lock(mutex_);
		return queue_.empty();
	}

private:
	spsc_queue<T> queue_;
	std::mutex mutex_;
};
} // namespace lockfree
} // namespace lslboost

/* boost's header is already included (its guard keeps it from being read again), so only
 * consumer_queue.h's `lslboost::lockfree::spsc_queue<sample_p>` sees this name. */
#define spsc_queue player_locked_spsc_queue
#endif
