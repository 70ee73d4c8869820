#pragma once
// Text as people type it into rosters and forms: length limits count
// characters, not bytes (张三 is two characters, six bytes), and blanks
// include the ideographic space U+3000 that Chinese input methods pad with.
//
// Thread safety: pure functions.

#include <cstddef>
#include <string_view>

namespace wangge::model {

/// The UTF-8 characters (code points) of `text`; bytes of a broken sequence count as their lead bytes do.
[[nodiscard]] std::size_t character_count(std::string_view text) noexcept;

/// `text` without leading and trailing blanks (space, tab, CR, LF and U+3000).
[[nodiscard]] std::string_view trim_blanks(std::string_view text) noexcept;

}  // namespace wangge::model
