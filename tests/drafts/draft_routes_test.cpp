#include "wangge/http/draft_routes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "layout.hpp"
#include "support/test_app.hpp"
#include "wangge/geo/geojson.hpp"
#include "wangge/rules/grid_source.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

namespace layout = drafts::test;

constexpr model::Timestamp now = 1'780'000'000;  // 2026-05-28, after the layout's valid_from (2023)

const support::Account planner{"planner", auth::Role::planner};
const support::Account worker{"worker", auth::Role::grid_worker, {layout::grid_a}};

/// The test app (every route, as `wangge serve` wires them) over layout::dataset(), served.
/// Rule options under which every household and resident count is in range:
/// for tests of the borders, whose fixtures hold a handful of households per grid.
rules::Options borders_only() {
    rules::Options rules;
    rules.households_min = 0;
    rules.households_max = 1'000'000;
    rules.residents_min = 0;
    rules.residents_max = 1'000'000;
    return rules;
}

class DraftServer : public TestServer {
public:
    explicit DraftServer(rules::Options rules = {})
        : TestServer(quiet_options(), {},
                     {.data = layout::dataset(), .gate = {.clock = [] { return now; }}, .rules = std::move(rules)}) {
        accounts().add(planner);
        accounts().add(worker);
    }
    [[nodiscard]] auth::AuditPage audit_of(const std::string& action) {
        return app().auth().audit_log({.action = action});
    }

    /// Signs in over HTTP.
    std::string login(const std::string& name) {
        const Reply reply =
            Client(port()).request(Method::post, "/auth/login", {{"Content-Type", "application/json"}},
                                   nlohmann::json{{"username", name}, {"password", support::test_password}}.dump());
        EXPECT_EQ(reply.status, 200u) << reply.body;
        return reply.json()["token"];
    }
    Reply call(Method method, const std::string& target, const std::string& token, const nlohmann::json& body = {}) {
        Headers headers;
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        if (!body.is_null()) headers.emplace_back("Content-Type", "application/json");
        return Client(port()).request(method, target, headers, body.is_null() ? std::string() : body.dump());
    }
};

nlohmann::json meridian(double x) {
    return {{"type", "LineString"}, {"coordinates", {{x, layout::south - 0.001}, {x, layout::north + 0.001}}}};
}

double max_x_of(const nlohmann::json& collection, const std::string& code) {
    for (const nlohmann::json& f : collection["features"]) {
        if (f["properties"]["code"] != code) continue;
        double max_x = -1000.0;
        for (const nlohmann::json& ring : f["geometry"]["coordinates"]) {
            for (const nlohmann::json& p : ring) max_x = std::max(max_x, p[0].get<double>());
        }
        return max_x;
    }
    ADD_FAILURE() << "no feature " << code;
    return 0.0;
}

TEST(DraftRoutes, OnlyPlannersEditDrafts) {
    DraftServer server;
    EXPECT_EQ(server.call(Method::post, "/drafts", "").status, 401u);
    EXPECT_EQ(server.call(Method::post, "/drafts", server.login("worker")).status, 403u);
}

TEST(DraftRoutes, DraftEditValidatePublishReassignsHouseholds) {
    DraftServer server;
    const std::string token = server.login("planner");
    const Reply created = server.call(Method::post, "/drafts", token);
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(created.json()["base_version"], 1);
    const std::string id = created.json()["id"];
    const std::string draft = "/drafts/" + id;
    const std::string stale = server.call(Method::post, "/drafts", token).json()["id"];

    // Bad bodies are 4xx JSON.
    EXPECT_EQ(server.call(Method::post, draft + "/move-border", token, {{"a", layout::grid_a}}).status, 400u);
    const Reply not_json = server.call(Method::post, draft + "/split", token, "{");
    EXPECT_EQ(not_json.status, 400u);
    EXPECT_EQ(server.call(Method::post, "/drafts/nope/validate", token).status, 404u);

    // A new draft sends nothing but its base: the map draws the grids from the tiles.
    const Reply fresh = server.call(Method::get, draft, token);
    ASSERT_EQ(fresh.status, 200u) << fresh.body;
    EXPECT_TRUE(fresh.json()["features"].empty());
    EXPECT_TRUE(fresh.json()["deleted"].empty());
    EXPECT_EQ(fresh.json()["grids"], 4);
    EXPECT_TRUE(fresh.json()["valid"]);

    const Reply moved = server.call(Method::post, draft + "/move-border", token,
                                    {{"a", layout::grid_a}, {"b", layout::grid_b}, {"line", meridian(116.412)}});
    ASSERT_EQ(moved.status, 200u) << moved.body;
    EXPECT_EQ(moved.json()["changed"].size(), 4u) << "both grids, and the community and street rings through the new border's ends";
    EXPECT_TRUE(moved.json()["report"]["valid"]) << moved.body;

    const Reply validated = server.call(Method::post, draft + "/validate", token);
    ASSERT_EQ(validated.status, 200u);
    EXPECT_TRUE(validated.json()["valid"]) << validated.body;
    const Reply shown = server.call(Method::get, draft, token);
    ASSERT_EQ(shown.status, 200u);
    EXPECT_NEAR(max_x_of(shown.json(), layout::grid_a), 116.412, 1e-12);
    EXPECT_EQ(shown.json()["features"].size(), 4u) << "only the changed grids";

    const Reply published = server.call(Method::post, draft + "/publish", token, nlohmann::json{{"confirm", true}});
    ASSERT_EQ(published.status, 200u) << published.body;
    const nlohmann::json summary = published.json();
    EXPECT_EQ(summary["version"], 2);
    EXPECT_EQ(summary["moved"]["households"], 2);
    EXPECT_EQ(summary["moved"]["pairs"][0]["from"], layout::grid_b);
    EXPECT_EQ(summary["moved"]["pairs"][0]["to"], layout::grid_a);
    EXPECT_EQ(server.call(Method::get, draft, token).status, 404u);  // a published draft is gone
    // Audited in the publication's own transaction.
    const auth::AuditPage audit = server.audit_of("layouts.publish");
    ASSERT_EQ(audit.total, 1u);
    EXPECT_EQ(audit.entries[0].user_name, "planner");
    EXPECT_EQ(audit.entries[0].collection, "grids");
    EXPECT_EQ(audit.entries[0].record_ids, std::vector<std::string>{"version 2"});
    EXPECT_EQ(audit.entries[0].detail.rfind("draft " + draft.substr(draft.rfind('/') + 1) + ": 4 grids; re-derived", 0),
              0u)
        << audit.entries[0].detail;

    const auto view = server.state().view();
    for (const model::Household& h : view->snapshot().data().households) {
        EXPECT_EQ(h.grid_code, h.location.x < 116.412 ? layout::grid_a : layout::grid_b) << h.id;
    }

    // The previous layout stays queryable.
    const nlohmann::json past =
        server.call(Method::get, "/collections/grids/items?datetime=2025-01-01T00:00:00Z", "").json();
    EXPECT_EQ(past["features"].size(), 4u);
    EXPECT_NEAR(max_x_of(past, layout::grid_a), layout::middle, 1e-12);
    const nlohmann::json present = server.call(Method::get, "/collections/grids/items", "").json();
    EXPECT_NEAR(max_x_of(present, layout::grid_a), 116.412, 1e-12);

    // A draft made from the old layout may not overwrite the new one.
    const Reply outdated = server.call(Method::post, "/drafts/" + stale + "/publish", token);
    EXPECT_EQ(outdated.status, 409u);
    EXPECT_EQ(outdated.json()["error"]["code"], "draft_outdated");

    // The store file holds both versions.
    const model::Dataset stored = store::GeoPackageStore::open(server.store_path()).load();
    EXPECT_EQ(stored.grids.size(), 8u);
    EXPECT_EQ(std::count_if(stored.grids.begin(), stored.grids.end(),
                            [](const model::Grid& g) { return g.version == 2 && g.current(); }),
              4);
}

/// The household_count violations of a report, by grid code: their messages.
std::map<std::string, std::string> household_counts(const nlohmann::json& report) {
    std::map<std::string, std::string> out;
    for (const nlohmann::json& v : report["violations"]) {
        if (v["rule"] == "household_count") out.emplace(v["grids"][0], v["message"]);
    }
    return out;
}

TEST(DraftRoutes, EditsAndChecksCountHouseholdsWithTheConfiguredRange) {
    // grid_a holds households 1 and 2, grid_b households 3, 4 and 5 (layout::dataset()).
    rules::Options rules;
    rules.households_min = 1;
    rules.households_max = 2;
    DraftServer server(rules);
    const Reply shown_rules = server.call(Method::get, "/rules", "");
    ASSERT_EQ(shown_rules.status, 200u) << shown_rules.body;
    EXPECT_EQ(shown_rules.json()["households_min"], 1);
    EXPECT_EQ(shown_rules.json()["households_max"], 2);

    const std::string token = server.login("planner");
    const std::string draft = "/drafts/" + server.call(Method::post, "/drafts", token).json()["id"].get<std::string>();
    // The new western strip of grid_a holds no household; grid_a keeps both of its own.
    const Reply split = server.call(Method::post, draft + "/split", token,
                                    {{"code", layout::grid_a},
                                     {"line", meridian(116.402)},
                                     {"new_code", "110105001001003"},
                                     {"new_name", "空网格"}});
    ASSERT_EQ(split.status, 200u) << split.body;
    const auto edit = household_counts(split.json()["report"]);
    ASSERT_EQ(edit.size(), 1u) << split.body;
    EXPECT_NE(edit.at("110105001001003").find("有 0 户，不在 1–2 户的范围内"), std::string::npos)
        << edit.at("110105001001003");

    // The full check also sees grid_b, unchanged, with its 3 households.
    const Reply validated = server.call(Method::post, draft + "/validate", token);
    ASSERT_EQ(validated.status, 200u) << validated.body;
    const auto full = household_counts(validated.json());
    EXPECT_EQ(full.size(), 2u) << validated.body;
    EXPECT_TRUE(full.contains("110105001001003"));
    ASSERT_TRUE(full.contains(layout::grid_b));
    EXPECT_NE(full.at(layout::grid_b).find("有 3 户"), std::string::npos) << full.at(layout::grid_b);
    EXPECT_TRUE(validated.json()["valid"]) << "household_count is a warning";

    // A warning needs the planner's confirmation to publish.
    EXPECT_EQ(server.call(Method::post, draft + "/publish", token).json()["error"]["code"], "confirm_required");
}

TEST(DraftRoutes, SplittingACompoundShowsInTheLiveAndFullChecks) {
    // Households 1 and 2 of 幸福里 (2 members each) lie in grid_a; 3, 4, 5 in grid_b.
    rules::Options rules = borders_only();
    rules.residents_min = 5;  // a grid of one household (2 residents) is too small
    DraftServer server(rules);
    const std::string token = server.login("planner");
    const std::string draft = "/drafts/" + server.call(Method::post, "/drafts", token).json()["id"].get<std::string>();
    EXPECT_EQ(server.call(Method::post, draft + "/validate", token).json()["summary"].count("compound_split"), 0u)
        << "nothing split before the cut";
    // Cut between households 1 and 2: the new western grid takes household 1.
    const Reply split = server.call(Method::post, draft + "/split", token,
                                    {{"code", layout::grid_a}, {"line", meridian(116.407)},
                                     {"new_code", "110105001001003"}});
    ASSERT_EQ(split.status, 200u) << split.body;
    const std::string expected = "小区 幸福里 的住户分属 2 个网格：" + std::string(layout::grid_a) + "、110105001001003";
    const auto messages = [](const nlohmann::json& report, std::string_view rule) {
        std::vector<std::string> out;
        for (const nlohmann::json& v : report["violations"]) {
            if (v["rule"] == rule) out.push_back(v["message"]);
        }
        return out;
    };
    EXPECT_EQ(messages(split.json()["report"], "compound_split"), std::vector<std::string>{expected}) << split.body;
    EXPECT_EQ(messages(split.json()["report"], "residents_count").size(), 2u) << split.body;  // both halves: 2 residents
    const Reply validated = server.call(Method::post, draft + "/validate", token);
    ASSERT_EQ(validated.status, 200u) << validated.body;
    EXPECT_EQ(messages(validated.json(), "compound_split"), std::vector<std::string>{expected});
    EXPECT_TRUE(validated.json()["valid"]) << "planning rules are warnings";
}

TEST(DraftRoutes, PublishRefusesADraftWithErrors) {
    DraftServer server;
    const std::string token = server.login("planner");
    const std::string draft = "/drafts/" + server.call(Method::post, "/drafts", token).json()["id"].get<std::string>();
    const Reply removed = server.call(Method::delete_, draft + "/grids/" + layout::grid_b, token);
    ASSERT_EQ(removed.status, 200u) << removed.body;
    EXPECT_FALSE(removed.json()["report"]["valid"]);
    const Reply shown = server.call(Method::get, draft, token);
    ASSERT_EQ(shown.status, 200u) << shown.body;
    EXPECT_EQ(shown.json()["deleted"], nlohmann::json::array({layout::grid_b}));
    EXPECT_TRUE(shown.json()["features"].empty());
    EXPECT_FALSE(shown.json()["valid"]) << "the gap left by the deleted grid";
    EXPECT_EQ(shown.json()["grids"], 3);
    const Reply refused = server.call(Method::post, draft + "/publish", token, nlohmann::json{{"confirm", true}});
    EXPECT_EQ(refused.status, 422u);
    EXPECT_EQ(refused.json()["error"]["code"], "draft_invalid");
    EXPECT_FALSE(refused.json()["report"]["violations"].empty());
    EXPECT_EQ(store::GeoPackageStore::open(server.store_path()).load().grids.size(), 4u);
    for (const auth::AuditEntry& entry : server.audit_of("layouts.publish").entries) {
        EXPECT_NE(entry.outcome, auth::Outcome::ok);  // refused: nothing stored, so no write to audit
    }
    EXPECT_EQ(server.call(Method::delete_, draft, token).status, 204u);
}

TEST(DraftRoutes, SplitMergeSnapAndRenumberOverHttp) {
    DraftServer server;
    const std::string token = server.login("planner");
    const std::string draft = "/drafts/" + server.call(Method::post, "/drafts", token).json()["id"].get<std::string>();
    const Reply split = server.call(Method::post, draft + "/split", token,
                                    {{"code", layout::grid_b},
                                     {"line", meridian(116.418)},
                                     {"new_code", "110105001001003"},
                                     {"new_name", "新网格"}});
    ASSERT_EQ(split.status, 200u) << split.body;
    EXPECT_TRUE(split.json()["report"]["valid"]) << split.body;
    const Reply merged =
        server.call(Method::post, draft + "/merge", token, {{"keep", layout::grid_b}, {"absorb", "110105001001003"}});
    ASSERT_EQ(merged.status, 200u) << merged.body;
    EXPECT_TRUE(merged.json()["report"]["valid"]) << merged.body;

    const double short_x = layout::middle - layout::metres_east(0.3);
    const nlohmann::json drawn =
        geo::to_geojson(layout::rectangle(layout::west, layout::south, short_x, layout::north));
    const Reply snapped =
        server.call(Method::post, draft + "/snap", token, {{"code", layout::grid_a}, {"geometry", drawn}});
    ASSERT_EQ(snapped.status, 200u) << snapped.body;
    EXPECT_TRUE(snapped.json()["report"]["valid"]) << snapped.body;

    const Reply renamed = server.call(Method::put, draft + "/grids/" + layout::grid_a, token, {{"name", "幸福里"}});
    ASSERT_EQ(renamed.status, 200u) << renamed.body;
    EXPECT_EQ(renamed.json()["features"][0]["properties"]["name"], "幸福里");
    EXPECT_EQ(server.call(Method::put, draft + "/grids/" + layout::grid_a, token, nlohmann::json::object()).status,
              400u);
    const Reply renumber = server.call(Method::post, draft + "/renumber", token);
    ASSERT_EQ(renumber.status, 200u) << renumber.body;
    EXPECT_TRUE(renumber.json()["proposals"].empty());
}

TEST(DraftRoutes, CheckAGeometryWithoutSavingIt) {
    DraftServer server(borders_only());
    const std::string token = server.login("planner");
    const std::string id = server.call(Method::post, "/drafts", token).json()["id"];
    const std::string check = "/drafts/" + id + "/grids/" + layout::grid_a + "/check";
    // Dragged 0.003° into the neighbour: an overlap, before anything is saved.
    const nlohmann::json over = geo::to_geojson(layout::rectangle(layout::west, layout::south, 116.413, layout::north));
    const Reply overlapping = server.call(Method::post, check, token, {{"geometry", over}});
    ASSERT_EQ(overlapping.status, 200u) << overlapping.body;
    EXPECT_FALSE(overlapping.json()["valid"]);
    EXPECT_EQ(overlapping.json()["summary"]["overlap"], 1) << overlapping.body;
    EXPECT_FALSE(overlapping.json()["violations"][0]["geometry"].is_null());
    EXPECT_TRUE(server.call(Method::get, "/drafts/" + id, token).json()["features"].empty()) << "nothing saved";
    // Dragged back: clean.
    const nlohmann::json back = geo::to_geojson(layout::rectangle(layout::west, layout::south, layout::middle, layout::north));
    const Reply clean = server.call(Method::post, check, token, {{"geometry", back}});
    ASSERT_EQ(clean.status, 200u) << clean.body;
    EXPECT_TRUE(clean.json()["violations"].empty()) << clean.body;
    // Checks are not writes: nothing in the audit log.
    EXPECT_EQ(server.audit_of("drafts.edit").total, 0u);

    const Reply unknown = server.call(Method::post, "/drafts/" + id + "/grids/110105001001009/check", token,
                                      {{"geometry", over}});
    EXPECT_EQ(unknown.status, 400u);
    EXPECT_FALSE(unknown.json()["error"]["message_zh"].get<std::string>().empty()) << unknown.body;
    EXPECT_EQ(server.call(Method::post, check, token, nlohmann::json::object()).status, 400u);
    EXPECT_EQ(server.call(Method::post, check, server.login("worker"), {{"geometry", over}}).status, 403u);
}

TEST(DraftRoutes, MoveVertexMovesItInEveryGridThroughIt) {
    DraftServer server(borders_only());
    const std::string token = server.login("planner");
    const std::string draft = "/drafts/" + server.call(Method::post, "/drafts", token).json()["id"].get<std::string>();
    const Reply moved = server.call(Method::post, draft + "/move-vertex", token,
                                    {{"from", {layout::middle, layout::north}}, {"to", {116.412, layout::north}}});
    ASSERT_EQ(moved.status, 200u) << moved.body;
    std::vector<std::string> changed = moved.json()["changed"];
    std::sort(changed.begin(), changed.end());
    EXPECT_EQ(changed, (std::vector<std::string>{layout::street, layout::community, layout::grid_a, layout::grid_b}));
    EXPECT_TRUE(moved.json()["report"]["violations"].empty()) << moved.body;
    EXPECT_NEAR(max_x_of(moved.json(), layout::grid_a), 116.412, 1e-12);
    EXPECT_TRUE(server.call(Method::post, draft + "/validate", token).json()["violations"].empty());
    const Reply nowhere = server.call(Method::post, draft + "/move-vertex", token,
                                      {{"from", {116.0, 39.0}}, {"to", {116.1, 39.0}}});
    EXPECT_EQ(nowhere.status, 400u);
    EXPECT_EQ(nowhere.json()["error"]["code"], "edit_refused");
}

TEST(DraftRoutes, ASplitOfTheSampleCommunityPublishesWithoutWarnings) {
    model::Dataset data;
    data.grids = rules::read_grid_file(std::filesystem::path(WANGGE_SOURCE_DIR) / "data" / "grids.geojson").grids;
    for (model::Grid& g : data.grids) {
        g.valid_from = 1'700'000'000;
        g.version = 1;
    }
    // The borders are what this checks: the household range is the planner's
    // call (a split halves a grid's households) and has its own test above.
    TestServer server(TestServer::quiet_options(), {},
                      {.data = data, .gate = {.clock = [] { return now; }}, .rules = borders_only()});
    server.accounts().add(planner);
    const std::string token = Client(server.port())
                                  .request(Method::post, "/auth/login", {{"Content-Type", "application/json"}},
                                           nlohmann::json{{"username", "planner"}, {"password", test_password}}.dump())
                                  .json()["token"];
    const auto call = [&](const std::string& target, const nlohmann::json& body) {
        return Client(server.port())
            .request(Method::post, target, {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                     body.dump());
    };
    const std::string draft = "/drafts/" + call("/drafts", nlohmann::json::object()).json()["id"].get<std::string>();
    // The north-west corner grid: the cut points lie on the community's and the street's rings too.
    const std::string code = "110105031001001";
    const model::Grid* grid = nullptr;
    for (const model::Grid& g : data.grids) grid = g.code == code ? &g : grid;
    ASSERT_NE(grid, nullptr);
    const geo::Box box = geo::bounds(grid->geometry);
    const double y = (box.min_y + box.max_y) / 2.0;
    const double overshoot = (box.max_x - box.min_x) * 0.2;
    const nlohmann::json line{{"type", "LineString"},
                              {"coordinates", {{box.min_x - overshoot, y}, {box.max_x + overshoot, y}}}};
    const Reply split = call(draft + "/split", {{"code", code}, {"line", line}, {"new_code", "110105031001009"}});
    ASSERT_EQ(split.status, 200u) << split.body;
    EXPECT_TRUE(split.json()["report"]["violations"].empty()) << split.body;
    std::vector<std::string> changed = split.json()["changed"];
    EXPECT_NE(std::find(changed.begin(), changed.end(), "110105031001"), changed.end()) << split.body;
    EXPECT_NE(std::find(changed.begin(), changed.end(), "110105031"), changed.end()) << split.body;
    // Published without "confirm": a warning would have refused it (409 confirm_required).
    const Reply published = call(draft + "/publish", nlohmann::json::object());
    ASSERT_EQ(published.status, 200u) << published.body;
    EXPECT_EQ(published.json()["version"], 2);
}

}  // namespace
}  // namespace wangge::http::test
