#include "wangge/auth/masking.hpp"

#include <algorithm>
#include <vector>

#include "utf8.hpp"

namespace wangge::auth {

namespace {

/// Keeps `head` and `tail` characters and replaces the rest with '*'. Texts
/// too short to hide at least four characters that way keep a quarter at each
/// side instead. Invalid UTF-8 is masked whole, byte for byte.
std::string mask_middle(std::string_view text, std::size_t head, std::size_t tail) {
    const auto characters = detail::split_utf8(text);
    if (!characters) return std::string(text.size(), '*');
    const std::size_t count = characters->size();
    constexpr std::size_t min_hidden = 4;
    if (count < head + tail + min_hidden) head = tail = count / 4;
    std::string masked;
    for (std::size_t i = 0; i < count; ++i) {
        if (i < head || i >= count - tail) {
            masked += (*characters)[i];
        } else {
            masked += '*';
        }
    }
    return masked;
}

}  // namespace

std::string mask_id_number(std::string_view id_number) { return mask_middle(id_number, 6, 4); }

std::string mask_phone(std::string_view phone) { return mask_middle(phone, 3, 4); }

std::string mask_name(std::string_view name) {
    const auto characters = detail::split_utf8(name);
    if (!characters) return std::string(name.size(), '*');
    if (characters->size() <= 1) return std::string(characters->size(), '*');
    return std::string((*characters)[0]) + std::string(characters->size() - 1, '*');
}

void apply_view(model::Household& household, PersonalView view) {
    switch (view) {
        case PersonalView::full:
            return;
        case PersonalView::masked:
            household.head_name = mask_name(household.head_name);
            household.id_number = mask_id_number(household.id_number);
            household.phone = mask_phone(household.phone);
            return;
        case PersonalView::none:
            household.head_name.clear();
            household.id_number.clear();
            household.phone.clear();
            household.tags.clear();
            return;
    }
}

}  // namespace wangge::auth
