#include "wangge/synth/city.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include "wangge/error.hpp"
#include "wangge/model/organisations.hpp"
#include "wangge/synth/names.hpp"
#include "wangge/workflow/state_machine.hpp"
#include "wangge/workflow/states.hpp"

namespace wangge::synth {
namespace {

/// FNV-1a over every field of every row, so any difference shows.
class Digest {
public:
    void add(std::string_view text) {
        for (const char c : text) mix(static_cast<unsigned char>(c));
        mix(0xff);
    }
    void add(double v) {
        unsigned char bytes[sizeof v];
        std::memcpy(bytes, &v, sizeof v);
        for (const unsigned char b : bytes) mix(b);
    }
    void add(std::int64_t v) { add(static_cast<double>(v)); }
    void add(const geo::Point& p) {
        add(p.x);
        add(p.y);
    }
    [[nodiscard]] std::uint64_t value() const { return hash_; }

private:
    void mix(unsigned char byte) { hash_ = (hash_ ^ byte) * 0x100000001b3ULL; }
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

std::uint64_t digest(const model::Dataset& data) {
    Digest d;
    for (const auto& g : data.grids) {
        d.add(g.code);
        d.add(g.name);
        d.add(g.parent_code);
        for (const auto& polygon : g.geometry.polygons) {
            for (const auto& ring : polygon.rings) {
                for (const auto& p : ring) d.add(p);
            }
        }
    }
    for (const auto& s : data.staff) {
        d.add(s.id);
        d.add(s.name);
        d.add(s.phone);
        d.add(s.role);
    }
    for (const auto& l : data.staff_grids) {
        d.add(l.staff_id);
        d.add(l.grid_code);
        d.add(model::to_string(l.duty));
    }
    for (const auto& h : data.households) {
        d.add(h.id);
        d.add(h.compound);
        d.add(h.building);
        d.add(h.unit);
        d.add(h.room);
        d.add(h.location);
        d.add(h.grid_code);
        d.add(std::int64_t{h.members});
        for (const auto& t : h.tags) d.add(t);
        d.add(h.head_name);
        d.add(h.id_number);
        d.add(h.phone);
    }
    for (const auto& f : data.facilities) {
        d.add(f.kind);
        d.add(f.name);
        d.add(f.location);
        d.add(f.compound);
        d.add(f.contact_phone);
    }
    for (const auto& i : data.incidents) {
        d.add(i.id);
        d.add(i.category);
        d.add(i.source);
        d.add(i.triage);
        d.add(i.state);
        d.add(i.location);
        d.add(i.grid_code);
        d.add(i.assignee);
        d.add(i.reported_at);
        d.add(i.deadline.value_or(-1));
        d.add(i.closed_at.value_or(-1));
    }
    for (const auto& e : data.incident_events) {
        d.add(e.incident_id);
        d.add(e.at);
        d.add(e.actor);
        d.add(e.to_state);
    }
    for (const auto& v : data.visits) {
        d.add(v.staff_id);
        d.add(v.household_id);
        d.add(v.at);
        d.add(v.kind);
    }
    return d.value();
}

CityParams small_city(std::uint64_t seed = 1) {
    CityParams params;
    params.grids = 80;
    params.households = 6000;
    params.incidents = 5000;
    params.visits = 1500;
    params.seed = seed;
    return params;
}

class CityTest : public ::testing::Test {
protected:
    static const model::Dataset& city() {
        static const model::Dataset data = generate_city(small_city());
        return data;
    }
    static std::map<std::string, const model::Grid*> grids_by_code() {
        std::map<std::string, const model::Grid*> out;
        for (const model::Grid& g : city().grids) out[g.code] = &g;
        return out;
    }
};

TEST_F(CityTest, SameSeedSameCityOtherSeedOtherCity) {
    EXPECT_EQ(digest(city()), digest(generate_city(small_city())));
    EXPECT_NE(digest(city()), digest(generate_city(small_city(2))));
}

TEST_F(CityTest, RejectsCountsItCannotHonour) {
    CityParams params = small_city();
    params.households = 50'000'001;
    EXPECT_THROW((void)generate_city(params), InputError);
}

TEST_F(CityTest, CountsAreHonoured) {
    std::size_t grids = 0;
    for (const model::Grid& g : city().grids) grids += g.level == model::GridLevel::grid ? 1 : 0;
    EXPECT_EQ(grids, 80u);
    EXPECT_EQ(city().households.size(), 6000u);
    EXPECT_EQ(city().incidents.size(), 5000u);
    EXPECT_EQ(city().visits.size(), 1500u);
    EXPECT_FALSE(city().facilities.empty());
    EXPECT_GT(city().incident_events.size(), city().incidents.size());
}

TEST_F(CityTest, EveryPointLiesInTheGridItNames) {
    const auto by_code = grids_by_code();
    for (const model::Household& h : city().households) {
        ASSERT_TRUE(geo::contains(by_code.at(h.grid_code)->geometry, h.location)) << "household " << h.id;
    }
    for (const model::Facility& f : city().facilities) {
        ASSERT_TRUE(geo::contains(by_code.at(f.grid_code)->geometry, f.location)) << "facility " << f.id;
    }
    for (const model::Incident& i : city().incidents) {
        ASSERT_TRUE(geo::contains(by_code.at(i.grid_code)->geometry, i.location)) << "incident " << i.id;
    }
}

TEST_F(CityTest, OrganisationsHaveContactsAndServeCompoundsOfTheirGrid) {
    std::map<std::string, int> branches;  // 网格党支部 per grid
    std::set<std::pair<std::string, std::string>> compounds;  // (grid, compound) with households
    for (const model::Household& h : city().households) compounds.emplace(h.grid_code, h.compound);
    std::map<std::string_view, std::size_t> kinds;
    for (const model::Facility& f : city().facilities) {
        if (!model::is_organisation(f)) {
            EXPECT_TRUE(f.compound.empty() && f.contact_name.empty()) << f.id;
            continue;
        }
        ++kinds[model::organisation_category(f.kind).value()];
        if (f.kind == "网格党支部") ++branches[f.grid_code];
        if (f.kind != "商铺") {
            EXPECT_FALSE(f.contact_name.empty()) << f.id;
            EXPECT_EQ(f.contact_phone.size(), 11u) << f.id;
        }
        if (!f.compound.empty()) {
            EXPECT_TRUE(compounds.contains({f.grid_code, f.compound})) << f.id << " " << f.compound;
        }
    }
    for (const model::Grid& g : city().grids) {
        if (g.level == model::GridLevel::grid) {
            EXPECT_EQ(branches[g.code], 1) << g.code;
        }
    }
    for (const std::string_view category : {"党组织", "社会组织", "物业", "业委会", "企业商户"}) {
        EXPECT_GT(kinds[category], 0u) << category;
    }
    EXPECT_GT(kinds["物业"], compounds.size() / 2);  // most compounds have one
}

TEST_F(CityTest, HouseholdsLookReal) {
    std::size_t tagged = 0;
    std::size_t members = 0;
    std::set<std::string> compounds;
    for (const model::Household& h : city().households) {
        tagged += h.tags.empty() ? 0 : 1;
        members += static_cast<std::size_t>(h.members);
        EXPECT_GE(h.members, 1);
        EXPECT_LE(h.members, 5);
        ASSERT_EQ(h.id_number.size(), 18u);
        EXPECT_EQ(h.id_number.substr(0, 6), "110105");
        EXPECT_EQ(h.id_number[17], id_check_character(h.id_number.substr(0, 17)));
        EXPECT_EQ(h.phone.size(), 11u);
        compounds.insert(h.grid_code + h.compound);
    }
    const double n = static_cast<double>(city().households.size());
    EXPECT_NEAR(static_cast<double>(tagged) / n, 0.18, 0.04);
    EXPECT_NEAR(static_cast<double>(members) / n, 2.7, 0.3);
    EXPECT_GT(compounds.size(), 80u);  // clustered: a few compounds per grid
    EXPECT_LT(compounds.size(), 400u);
}

TEST_F(CityTest, EveryGridHasAnAAndABWorker) {
    std::map<std::string, std::map<model::Duty, int>> duties;
    std::set<std::int64_t> staff_ids;
    for (const model::Staff& s : city().staff) staff_ids.insert(s.id);
    for (const model::StaffGrid& link : city().staff_grids) {
        EXPECT_TRUE(staff_ids.count(link.staff_id));
        ++duties[link.grid_code][link.duty];
    }
    for (const model::Grid& g : city().grids) {
        if (g.level != model::GridLevel::grid) continue;
        EXPECT_EQ(duties[g.code][model::Duty::primary], 1) << g.code;
        EXPECT_GE(duties[g.code][model::Duty::backup], 1) << g.code;
    }
}

TEST_F(CityTest, IncidentsSpanAYearWithConsistentHistories) {
    const CityParams params = small_city();
    std::map<std::int64_t, std::vector<const model::IncidentEvent*>> history;
    for (const model::IncidentEvent& e : city().incident_events) history[e.incident_id].push_back(&e);
    std::set<std::string> states;
    model::Timestamp earliest = params.reference_time;
    for (const model::Incident& i : city().incidents) {
        EXPECT_LT(i.reported_at, params.reference_time);
        EXPECT_GE(i.reported_at, params.reference_time - 365 * 86400);
        earliest = std::min(earliest, i.reported_at);
        states.insert(i.state);
        const auto& events = history[i.id];
        ASSERT_FALSE(events.empty());
        std::string state;
        model::Timestamp at = i.reported_at;
        for (const model::IncidentEvent* e : events) {
            EXPECT_EQ(e->from_state, state) << "incident " << i.id;
            EXPECT_GE(e->at, at);
            EXPECT_LT(e->at, params.reference_time);
            state = e->to_state;
            at = e->at;
        }
        EXPECT_EQ(state, i.state);
        EXPECT_EQ(i.closed_at.has_value(), i.state == "closed");
        if (i.dispatched_at) {
            ASSERT_TRUE(i.deadline.has_value());
            EXPECT_GT(*i.deadline, *i.dispatched_at);
            EXPECT_FALSE(i.assignee.empty());
            if (i.triage == "coordination") {
                EXPECT_EQ(i.assignee, i.grid_code.substr(0, 12));
            } else if (i.triage == "urgent") {
                EXPECT_EQ(i.assignee, i.grid_code.substr(0, 9));
            }
        }
    }
    EXPECT_LT(earliest, params.reference_time - 300 * 86400);
    for (const char* s : {"closed", "voided", "suspended", "returned"}) EXPECT_TRUE(states.count(s)) << s;
}

TEST_F(CityTest, EveryEventIsATransitionTheWorkflowAllows) {
    // The workflow module's own transition table is the oracle.
    for (const model::IncidentEvent& e : city().incident_events) {
        if (e.from_state.empty()) {
            EXPECT_EQ(e.to_state, "reported");
            continue;
        }
        const auto from = workflow::parse_state(e.from_state);
        const auto to = workflow::parse_state(e.to_state);
        ASSERT_TRUE(from && to) << e.from_state << " -> " << e.to_state;
        const auto rules = workflow::transition_rules();
        const bool allowed = std::any_of(rules.begin(), rules.end(), [&](const workflow::TransitionRule& rule) {
            return rule.from == *from && rule.to == *to;
        });
        EXPECT_TRUE(allowed) << e.from_state << " -> " << e.to_state;
        if (workflow::find_rule(workflow::Action::suspend, *from) && *to == workflow::State::suspended) {
            EXPECT_TRUE(e.note.starts_with("批准人：")) << "suspension without approver";
        }
    }
}

TEST_F(CityTest, IncidentsClusterInHotSpots) {
    // With hot spots, the busiest tenth of the grids holds far more than a tenth of the cases.
    std::map<std::string, std::size_t> per_grid;
    for (const model::Incident& i : city().incidents) ++per_grid[i.grid_code];
    std::vector<std::size_t> counts;
    for (const auto& [code, n] : per_grid) counts.push_back(n);
    std::sort(counts.rbegin(), counts.rend());
    std::size_t top = 0;
    for (std::size_t i = 0; i < 8 && i < counts.size(); ++i) top += counts[i];
    EXPECT_GT(static_cast<double>(top) / 5000.0, 0.25);
}

TEST_F(CityTest, VisitsAreMadeByTheHouseholdsGridStaff) {
    std::map<std::int64_t, std::string> household_grid;
    for (const model::Household& h : city().households) household_grid[h.id] = h.grid_code;
    std::set<std::pair<std::int64_t, std::string>> links;
    for (const model::StaffGrid& l : city().staff_grids) links.insert({l.staff_id, l.grid_code});
    for (const model::Visit& v : city().visits) {
        EXPECT_TRUE(links.count({v.staff_id, household_grid.at(v.household_id)})) << "visit " << v.id;
    }
}

}  // namespace
}  // namespace wangge::synth
