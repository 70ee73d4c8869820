#include "wangge/synth/random.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace wangge::synth {

namespace {
constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
constexpr double unit_from_bits(std::uint64_t bits) noexcept {
    return static_cast<double>(bits >> 11) * 0x1.0p-53;
}
}  // namespace

double hashed_unit(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) noexcept {
    const std::uint64_t h = mix64(mix64(mix64(mix64(seed) ^ a) ^ b) ^ c);
    return unit_from_bits(h) * 2.0 - 1.0;
}

Random::Random(std::uint64_t seed) noexcept {
    std::uint64_t s = seed;
    for (std::uint64_t& word : state_) {
        s = mix64(s);
        word = s;
    }
}

std::uint64_t Random::next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
}

double Random::uniform() noexcept { return unit_from_bits(next()); }

double Random::uniform(double low, double high) noexcept { return low + (high - low) * uniform(); }

std::size_t Random::below(std::size_t n) noexcept {
    const auto pick = static_cast<std::size_t>(uniform() * static_cast<double>(n));
    return pick < n ? pick : n - 1;
}

int Random::between(int low, int high) noexcept {
    return low + static_cast<int>(below(static_cast<std::size_t>(high - low) + 1));
}

double Random::normal() noexcept {
    const double u1 = 1.0 - uniform();  // in (0, 1], keeps log finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::size_t Random::weighted(std::span<const double> weights) noexcept {
    double total = 0.0;
    for (const double w : weights) total += w;
    double target = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        target -= weights[i];
        if (target < 0.0) return i;
    }
    return weights.size() - 1;
}

Random Random::fork(std::uint64_t stream) const noexcept {
    return Random(mix64(state_[0] ^ mix64(stream + 0x5851f42d4c957f2dULL)));
}

WeightedTable::WeightedTable(std::span<const double> weights) {
    cumulative_.reserve(weights.size());
    double sum = 0.0;
    for (const double w : weights) cumulative_.push_back(sum += w);
}

std::size_t WeightedTable::pick(Random& random) const noexcept {
    const double target = random.uniform() * cumulative_.back();
    const auto at = std::upper_bound(cumulative_.begin(), cumulative_.end(), target) - cumulative_.begin();
    return std::min(static_cast<std::size_t>(at), cumulative_.size() - 1);
}

}  // namespace wangge::synth
