#include "wangge/model/text.hpp"

#include <algorithm>
#include <array>

namespace wangge::model {

std::size_t character_count(std::string_view text) noexcept {
    // Every byte but a continuation byte (10xxxxxx) starts a character.
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

std::string_view trim_blanks(std::string_view text) noexcept {
    constexpr std::array<std::string_view, 5> blanks{" ", "\t", "\r", "\n", "\u3000"};
    bool changed = true;
    while (changed) {
        changed = false;
        for (const std::string_view blank : blanks) {
            if (text.starts_with(blank)) text.remove_prefix(blank.size()), changed = true;
            if (text.ends_with(blank)) text.remove_suffix(blank.size()), changed = true;
        }
    }
    return text;
}

}  // namespace wangge::model
