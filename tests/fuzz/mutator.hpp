#pragma once
// Deterministic input mutation for the robustness tests: byte flips, inserted
// tokens, splices of two corpus entries, truncation and repetition. The same
// seed gives the same inputs on every machine (std::mt19937 is specified).

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace wangge::fuzz {

/// The files of tests/fuzz/corpus/<name>, in file name order.
inline std::vector<std::string> load_corpus(std::string_view name) {
    const std::filesystem::path dir = std::filesystem::path(WANGGE_SOURCE_DIR) / "tests/fuzz/corpus" / name;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
    std::ranges::sort(files);
    std::vector<std::string> corpus;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return corpus;
}

class Mutator {
public:
    explicit Mutator(std::uint32_t seed) : random_(seed) {}

    /// A mutant of a random corpus entry, one to four edits deep.
    std::string mutate(const std::vector<std::string>& corpus) {
        std::string input = pick(corpus);
        for (int edits = below(4) + 1; edits > 0; --edits) edit(input, corpus);
        return input;
    }

private:
    static constexpr std::array<std::string_view, 22> tokens{
        "NaN", "Infinity", "-Infinity", "1e999", "-1e-999", "18446744073709551616", "-0", "null", "[]", "{}", "[[",
        "]]", "\"\\ud800\"", "\xc3\x28", "\xff", "%2e%2e", "/..", "%00", "%", "%zz", "%2f", "&&="};

    int below(std::size_t n) { return static_cast<int>(std::uniform_int_distribution<std::size_t>(0, n - 1)(random_)); }
    const std::string& pick(const std::vector<std::string>& corpus) { return corpus[static_cast<std::size_t>(below(corpus.size()))]; }
    std::size_t position(const std::string& s) { return static_cast<std::size_t>(below(s.size() + 1)); }

    void edit(std::string& s, const std::vector<std::string>& corpus) {
        switch (below(7)) {
            case 0:  // flip one bit
                if (!s.empty()) s[position(s) % s.size()] ^= static_cast<char>(1 << below(8));
                break;
            case 1:  // a structural or nasty token
                s.insert(position(s), tokens[static_cast<std::size_t>(below(tokens.size()))]);
                break;
            case 2: {  // splice: a prefix of this input with a suffix of another
                const std::string& other = pick(corpus);
                s = s.substr(0, position(s)) + other.substr(position(other));
                break;
            }
            case 3:  // truncate
                s.resize(position(s));
                break;
            case 4: {  // delete a range
                const std::size_t from = position(s);
                s.erase(from, static_cast<std::size_t>(below(16)));
                break;
            }
            case 5: {  // repeat a range, growing arrays and nesting
                const std::size_t from = position(s);
                const std::string piece = s.substr(from, static_cast<std::size_t>(below(32)));
                for (int times = below(8); times > 0; --times) s.insert(from, piece);
                break;
            }
            default:  // overwrite one byte with any value
                if (!s.empty()) s[position(s) % s.size()] = static_cast<char>(below(256));
                break;
        }
    }

    std::mt19937 random_;
};

}  // namespace wangge::fuzz
