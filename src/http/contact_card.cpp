#include "contact_card.hpp"

#include "wangge/model/duty_days.hpp"

namespace wangge::http::detail {

nlohmann::json contact_card(const model::Snapshot& snapshot, std::string_view grid_code) {
    nlohmann::json staff = nlohmann::json::array();
    for (const model::GridStaff& link : snapshot.staff_of(grid_code)) {
        staff.push_back({{"name", link.staff->name},
                         {"role", link.staff->role},
                         {"duty", model::to_string(link.duty)},
                         {"phone", link.staff->phone},
                         {"duty_days", duty_days_json(model::duty_days_in(snapshot, link.staff->id, grid_code))}});
    }
    return staff;
}

nlohmann::json duty_days_json(std::uint8_t days) {
    return days == 0 ? nlohmann::json(nullptr) : nlohmann::json(model::format_duty_days(days));
}

}  // namespace wangge::http::detail
