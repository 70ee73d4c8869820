#pragma once
// Masks for personal data, counted in characters (UTF-8 aware).
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "wangge/auth/policy.hpp"
#include "wangge/model/entities.hpp"

namespace wangge::auth {

/// "110105199001011234" → "110105********1234": the region code and the last
/// four stay. Texts too short to hide four characters that way keep a quarter
/// at each side, so a short or malformed number is never shown whole.
[[nodiscard]] std::string mask_id_number(std::string_view id_number);

/// "13812345678" → "138****5678"; shorter numbers keep less, as above.
[[nodiscard]] std::string mask_phone(std::string_view phone);

/// "张三" → "张*", "欧阳娜娜" → "欧***": the first character stays.
/// A one-character name becomes "*".
[[nodiscard]] std::string mask_name(std::string_view name);

/// Applies a view to a household's personal fields: none clears head_name,
/// id_number, phone and tags; masked masks the first three; full keeps all.
void apply_view(model::Household& household, PersonalView view);

}  // namespace wangge::auth
