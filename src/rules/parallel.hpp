#pragma once
// Spreads independent work items over threads, each with its own worker
// state (GEOS context, PROJ transform). Internal to the rules module.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wangge::rules::detail {

/// Runs run(workers[t], i) for every i in [0, count), thread t using
/// workers[t]. The calling thread works too and alone calls progress(done).
/// The first exception stops the remaining items and is rethrown here.
template <class Worker, class Run>
void parallel_for(std::size_t count, std::vector<Worker>& workers, Run&& run,
                  const std::function<void(std::size_t)>& progress = {}) {
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    const auto loop = [&](Worker& worker, bool reports) {
        try {
            for (std::size_t i = next++; i < count && !failed; i = next++) {
                run(worker, i);
                const std::size_t finished = ++done;
                if (reports && progress) progress(finished);
            }
        } catch (...) {
            const std::lock_guard lock(error_mutex);
            if (!error) error = std::current_exception();
            failed = true;
        }
    };
    const std::size_t helpers = std::min(workers.size(), std::max<std::size_t>(count, 1)) - 1;
    std::vector<std::thread> threads;
    threads.reserve(helpers);
    for (std::size_t t = 1; t <= helpers; ++t) threads.emplace_back(loop, std::ref(workers[t]), false);
    loop(workers.front(), true);
    for (std::thread& thread : threads) thread.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace wangge::rules::detail
