#pragma once
// UTF-8 splitting for the length rules and masks, which count characters,
// not bytes (张三 is two characters).
//
// Private to the auth module. Thread safety: pure functions.

#include <optional>
#include <string_view>
#include <vector>

namespace wangge::auth::detail {

/// The characters (code points) of `text`, or nullopt when it is not valid UTF-8.
[[nodiscard]] std::optional<std::vector<std::string_view>> split_utf8(std::string_view text);

}  // namespace wangge::auth::detail
