#include "contact_card.hpp"

namespace wangge::http::detail {

nlohmann::json contact_card(const model::Snapshot& snapshot, std::string_view grid_code) {
    nlohmann::json staff = nlohmann::json::array();
    for (const model::GridStaff& link : snapshot.staff_of(grid_code)) {
        staff.push_back({{"name", link.staff->name},
                         {"role", link.staff->role},
                         {"duty", model::to_string(link.duty)},
                         {"phone", link.staff->phone}});
    }
    return staff;
}

}  // namespace wangge::http::detail
