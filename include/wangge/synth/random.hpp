#pragma once
// Portable pseudo-random numbers for the synthetic city.
//
// The standard distributions are implementation-defined, so a city built with
// libstdc++ would differ from one built with libc++; these helpers are written
// out here so a seed gives the same numbers with any standard library.
//
// Thread safety: a Random is a plain value; use one per thread.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace wangge::synth {

/// SplitMix64 step: a good 64-bit mixer, also used to seed Random.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// A value in [-1, 1) that depends only on its arguments: noise that both
/// neighbours of a border compute identically, whatever the generation order.
[[nodiscard]] double hashed_unit(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c = 0) noexcept;

/// xoshiro256** (Blackman and Vigna).
class Random {
public:
    explicit Random(std::uint64_t seed) noexcept;

    [[nodiscard]] std::uint64_t next() noexcept;
    /// Uniform in [0, 1).
    [[nodiscard]] double uniform() noexcept;
    /// Uniform in [low, high).
    [[nodiscard]] double uniform(double low, double high) noexcept;
    /// Uniform integer in [0, n); n must be positive.
    [[nodiscard]] std::size_t below(std::size_t n) noexcept;
    /// Uniform integer in [low, high].
    [[nodiscard]] int between(int low, int high) noexcept;
    [[nodiscard]] bool chance(double probability) noexcept { return uniform() < probability; }
    /// Standard normal (Box-Muller).
    [[nodiscard]] double normal() noexcept;
    /// Index drawn with probability proportional to weights[i].
    [[nodiscard]] std::size_t weighted(std::span<const double> weights) noexcept;

    /// An independent stream for a sub-task, so adding draws in one stage
    /// does not shift the numbers of the next.
    [[nodiscard]] Random fork(std::uint64_t stream) const noexcept;

private:
    std::uint64_t state_[4];
};

/// Weighted choice among many items in O(log n) per draw (Random::weighted is O(n)).
class WeightedTable {
public:
    explicit WeightedTable(std::span<const double> weights);
    [[nodiscard]] std::size_t pick(Random& random) const noexcept;

private:
    std::vector<double> cumulative_;
};

}  // namespace wangge::synth
