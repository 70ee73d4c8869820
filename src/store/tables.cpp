#include "tables.hpp"

#include <array>
#include <utility>

#include "wangge/model/text.hpp"

namespace wangge::store::detail {

using namespace wangge::model;

template <>
const Table<Grid>& table<Grid>() {
    static const Table<Grid> t{Layer::grids,
                               {{"code", &Grid::code, true},
                                {"name", &Grid::name, true},
                                {"level", &Grid::level, true},
                                {"parent_code", &Grid::parent_code, false},
                                {"valid_from", TimeMember<Grid>{&Grid::valid_from}, false},
                                {"valid_to", &Grid::valid_to, false},
                                {"version", &Grid::version, false},
                                {"purpose", &Grid::purpose, false}}};
    return t;
}

template <>
const Table<Staff>& table<Staff>() {
    static const Table<Staff> t{Layer::staff,
                                {{"name", &Staff::name, true},
                                 {"phone", &Staff::phone, false},
                                 {"role", &Staff::role, true},
                                 {"leave_from", &Staff::leave_from, false},
                                 {"leave_until", &Staff::leave_until, false}}};
    return t;
}

template <>
const Table<StaffGrid>& table<StaffGrid>() {
    static const Table<StaffGrid> t{Layer::staff_grids,
                                    {{"staff_id", &StaffGrid::staff_id, true},
                                     {"grid_code", &StaffGrid::grid_code, true},
                                     {"duty", &StaffGrid::duty, true},
                                     {"duty_days", DutyDaysMember<StaffGrid>{&StaffGrid::duty_days}, false}}};
    return t;
}

template <>
const Table<Household>& table<Household>() {
    static const Table<Household> t{Layer::households,
                                    {{"compound", &Household::compound, false},
                                     {"building", &Household::building, false},
                                     {"unit", &Household::unit, false},
                                     {"room", &Household::room, false},
                                     {"grid_code", &Household::grid_code, false},
                                     {"members", &Household::members, false},
                                     {"tags", &Household::tags, false},
                                     {"head_name", &Household::head_name, false},
                                     {"id_number", &Household::id_number, false},
                                     {"phone", &Household::phone, false},
                                     {"moved_in", &Household::moved_in, false},
                                     {"moved_out", &Household::moved_out, false}}};
    return t;
}

template <>
const Table<Facility>& table<Facility>() {
    static const Table<Facility> t{Layer::facilities,
                                   {{"kind", &Facility::kind, true},
                                    {"name", &Facility::name, true},
                                    {"grid_code", &Facility::grid_code, false},
                                    {"compound", &Facility::compound, false},
                                    {"contact_name", &Facility::contact_name, false},
                                    {"contact_phone", &Facility::contact_phone, false}}};
    return t;
}

template <>
const Table<Incident>& table<Incident>() {
    static const Table<Incident> t{Layer::incidents,
                                   {{"category", &Incident::category, true},
                                    {"source", &Incident::source, false},
                                    {"triage", &Incident::triage, true},
                                    {"state", &Incident::state, true},
                                    {"description", &Incident::description, false},
                                    {"grid_code", &Incident::grid_code, false},
                                    {"assignee", &Incident::assignee, false},
                                    {"reported_at", TimeMember<Incident>{&Incident::reported_at}, true},
                                    {"dispatched_at", &Incident::dispatched_at, false},
                                    {"deadline", &Incident::deadline, false},
                                    {"closed_at", &Incident::closed_at, false}}};
    return t;
}

template <>
const Table<IncidentEvent>& table<IncidentEvent>() {
    static const Table<IncidentEvent> t{Layer::incident_events,
                                        {{"incident_id", &IncidentEvent::incident_id, true},
                                         {"at", TimeMember<IncidentEvent>{&IncidentEvent::at}, true},
                                         {"actor", &IncidentEvent::actor, false},
                                         {"from_state", &IncidentEvent::from_state, false},
                                         {"to_state", &IncidentEvent::to_state, true},
                                         {"note", &IncidentEvent::note, false}}};
    return t;
}

template <>
const Table<Visit>& table<Visit>() {
    static const Table<Visit> t{Layer::visits,
                                {{"staff_id", &Visit::staff_id, true},
                                 {"household_id", &Visit::household_id, true},
                                 {"at", TimeMember<Visit>{&Visit::at}, true},
                                 {"kind", &Visit::kind, false},
                                 {"note", &Visit::note, false},
                                 {"reason", &Visit::reason, false},
                                 {"incident_id", &Visit::incident_id, false},
                                 {"client_key", &Visit::client_key, false},
                                 {"facility_id", &Visit::facility_id, false}}};
    return t;
}

std::string join_tags(const std::vector<std::string>& tags) {
    std::string text;
    for (const std::string& tag : tags) {
        if (!text.empty()) text += tag_separator;
        text += tag;
    }
    return text;
}

std::vector<std::string> split_tags(std::string_view text) {
    std::vector<std::string> tags;
    while (!text.empty()) {
        const std::size_t end = text.find(tag_separator);
        const std::string_view piece = model::trim_blanks(text.substr(0, end));
        if (!piece.empty()) tags.emplace_back(piece);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return tags;
}

}  // namespace wangge::store::detail

namespace wangge::store {

namespace {
constexpr std::array<std::pair<Layer, std::string_view>, 8> layer_names{{
    {Layer::grids, "grids"},
    {Layer::staff, "staff"},
    {Layer::staff_grids, "staff_grids"},
    {Layer::households, "households"},
    {Layer::facilities, "facilities"},
    {Layer::incidents, "incidents"},
    {Layer::incident_events, "incident_events"},
    {Layer::visits, "visits"},
}};
}  // namespace

std::string_view to_string(Layer layer) noexcept {
    for (const auto& [value, name] : layer_names) {
        if (value == layer) return name;
    }
    return "grids";
}

std::optional<Layer> parse_layer(std::string_view name) noexcept {
    for (const auto& [value, name_of_value] : layer_names) {
        if (name_of_value == name) return value;
    }
    return std::nullopt;
}

}  // namespace wangge::store
