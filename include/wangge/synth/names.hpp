#pragma once
// Chinese-looking names, resident ID numbers and phone numbers for synthetic
// people and places. Everything is invented; ID numbers use the GB 11643
// layout with a valid check digit so that validators accept them.
//
// Thread safety: free functions; the Random passed in is the only state.

#include <string>
#include <string_view>

#include "wangge/model/time.hpp"
#include "wangge/synth/random.hpp"

namespace wangge::synth {

/// Surname plus one or two given-name characters.
[[nodiscard]] std::string person_name(Random& random, bool male);

/// Two-character place stem such as "金桐" or "光华".
[[nodiscard]] std::string place_stem(Random& random);

/// 18-digit ID: 6-digit region, birth date (local), 3-digit sequence (odd for
/// men), check digit.
[[nodiscard]] std::string id_number(Random& random, std::string_view region, model::Timestamp birth, bool male);

/// The GB 11643 check character ('0'–'9' or 'X') of the first 17 digits.
[[nodiscard]] char id_check_character(std::string_view first17) noexcept;

/// An 11-digit mobile number with a real carrier prefix.
[[nodiscard]] std::string mobile_number(Random& random);

}  // namespace wangge::synth
