// Who may call what (auth/policy.hpp, DESIGN §6), over HTTP: every route the
// server registers × anonymous, a grid worker inside and one outside the
// record's grid, a supervisor, a planner and an admin. The table must name
// every registered route, so a new route without an access rule fails here.
// Then the personal fields of households: masked, revealed, left out, and the
// audit entries of each read.

#include <array>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_app.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

/// What a caller gets: served (2xx/3xx), past the gate (any answer but
/// 401/403/5xx: the request itself may be refused, e.g. an unknown draft),
/// 401, or 403.
enum class Expect { ok, past_gate, login, forbidden };
constexpr Expect O = Expect::ok;
constexpr Expect P = Expect::past_gate;
constexpr Expect L = Expect::login;
constexpr Expect F = Expect::forbidden;

/// The callers, in the order of the table's columns.
const std::array<std::optional<Account>, 6> callers{std::nullopt,      users::worker,  users::outsider,
                                                    users::supervisor, users::planner, users::admin};
constexpr std::array<const char*, 6> caller_names{"anonymous",  "worker (in scope)", "worker (out of scope)",
                                                  "supervisor", "planner",           "admin"};

struct Case {
    Method method;
    std::string pattern;  ///< the route as registered
    std::string target;   ///< a request to it; records of grid 110105001001001 unless said otherwise
    std::string body;
    std::array<Expect, 6> expect;  ///< anonymous, worker, outsider, supervisor, planner, admin
    bool ends_session = false;
};

std::string tile_path(const char* layer) {
    const tiles::TileId tile = tiles::tile_containing({116.401, 39.901}, 14);  // household 1
    return std::string("/tiles/") + layer + "/14/" + std::to_string(tile.x) + "/" + std::to_string(tile.y) + ".mvt";
}

const std::string small_layout =
    R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"110105001001001","level":"grid"},
        "geometry":{"type":"Polygon","coordinates":[[[116.40,39.90],[116.41,39.90],[116.41,39.92],[116.40,39.92],[116.40,39.90]]]}}]})";
const std::string new_case_in_west_grid =
    R"({"category":"违法建设","triage":"general","source":"网格员巡查","description":"楼顶私搭乱建","lon":116.405,"lat":39.905})";

std::vector<Case> access_table() {
    const Method get = Method::get;
    const Method post = Method::post;
    const std::array<Expect, 6> everyone{O, O, O, O, O, O};
    const std::array<Expect, 6> signed_in{L, O, O, O, O, O};
    const std::array<Expect, 6> editors{L, F, F, F, P, P};  // unknown draft "none": 404 past the gate
    std::vector<Case> table{
        {get, "/health", "/health", {}, everyone},
        {get, "/", "/?f=json", {}, everyone},
        {get, "/conformance", "/conformance", {}, everyone},
        {get, "/collections", "/collections", {}, everyone},
        {get, "/collections/{collection}", "/collections/grids", {}, everyone},
        {get, "/collections/{collection}", "/collections/households", {}, signed_in},
        {get, "/collections/{collection}", "/collections/incidents", {}, signed_in},
        {get, "/collections/{collection}/items", "/collections/grids/items", {}, everyone},
        {get, "/collections/{collection}/items", "/collections/households/items", {}, signed_in},
        // Out-of-scope households stay in the list without personal fields; planners may never reveal.
        {get, "/collections/{collection}/items", "/collections/households/items?reveal=true", {}, {L, O, O, O, F, O}},
        {get, "/collections/{collection}/items", "/collections/facilities/items", {}, signed_in},
        {get, "/collections/{collection}/items", "/collections/incidents/items", {}, signed_in},
        {get, "/collections/{collection}/items/{id}", "/collections/grids/items/110105001001001", {}, everyone},
        {get, "/collections/{collection}/items/{id}", "/collections/households/items/1", {}, {L, O, F, O, O, O}},
        {get, "/collections/{collection}/items/{id}", "/collections/households/items/1?reveal=true", {},
         {L, O, F, O, F, O}},
        // Household 8 is in grid 110105001002001: the outsider's, outside the supervisor's community.
        {get, "/collections/{collection}/items/{id}", "/collections/households/items/8", {}, {L, F, O, F, O, O}},
        {get, "/collections/{collection}/items/{id}", "/collections/facilities/items/1", {}, signed_in},
        {get, "/collections/{collection}/items/{id}", "/collections/incidents/items/1", {}, signed_in},
        {get, "/lookup", "/lookup?lon=116.405&lat=39.91", {}, everyone},
        {get, "/tiles/{layer}.json", "/tiles/grids.json", {}, everyone},
        {get, "/tiles/{layer}.json", "/tiles/households.json", {}, signed_in},
        {get, "/tiles/{layer}.json", "/tiles/heat.json", {}, signed_in},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("grids"), {}, everyone},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("households"), {}, signed_in},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("facilities"), {}, signed_in},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("incidents"), {}, signed_in},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("heat"), {}, signed_in},
        // Everyone may follow the changes, of the layers they may read (tile_feed_test.cpp);
        // the stream is asked with a malformed cursor, so it answers 400 instead of streaming.
        {get, "/tiles/changes", "/tiles/changes", {}, everyone},
        {get, "/tiles/events", "/tiles/events?after=none", {}, {P, P, P, P, P, P}},
        {post, "/validate", "/validate", small_layout, signed_in},
        {get, "/map", "/map", {}, everyone},
        {get, "/map/{path*}", "/map/index.html", {}, everyone},
        {get, "/styles", "/styles", {}, everyone},
        {get, "/styles/{path*}", "/styles/grids.json", {}, everyone},
        {post, "/auth/login", "/auth/login", R"({"username":"nobody"})", {P, P, P, P, P, P}},
        {get, "/auth/me", "/auth/me", {}, signed_in},
        {get, "/audit", "/audit", {}, {L, F, F, F, F, O}},
        {post, "/drafts", "/drafts", {}, {L, F, F, F, O, O}},
        {get, "/drafts/{id}", "/drafts/none", {}, editors},
        {Method::delete_, "/drafts/{id}", "/drafts/none", {}, editors},
        {post, "/drafts/{id}/grids", "/drafts/none/grids", "{}", editors},
        {Method::put, "/drafts/{id}/grids/{code}", "/drafts/none/grids/110105001001001", "{}", editors},
        {Method::delete_, "/drafts/{id}/grids/{code}", "/drafts/none/grids/110105001001001", {}, editors},
        {post, "/drafts/{id}/split", "/drafts/none/split", "{}", editors},
        {post, "/drafts/{id}/merge", "/drafts/none/merge", "{}", editors},
        {post, "/drafts/{id}/move-border", "/drafts/none/move-border", "{}", editors},
        {post, "/drafts/{id}/snap", "/drafts/none/snap", "{}", editors},
        {post, "/drafts/{id}/renumber", "/drafts/none/renumber", "{}", editors},
        {post, "/drafts/{id}/validate", "/drafts/none/validate", {}, editors},
        {post, "/drafts/{id}/publish", "/drafts/none/publish", "{}", editors},
        {post, "/incidents", "/incidents", new_case_in_west_grid, {L, O, F, O, F, O}},
        {get, "/incidents/overdue", "/incidents/overdue?area=110105001001001", {}, signed_in},
        {get, "/incidents/{id}", "/incidents/1", {}, signed_in},
        // Incident 1 is "reported": closing it is illegal (409) for those who may handle it at all.
        {post, "/incidents/{id}/transitions", "/incidents/1/transitions", R"({"action":"close"})",
         {L, P, F, P, F, P}},
        // Supervisor and admin have no staff record: 400 past the gate.
        {post, "/visits", "/visits", R"({"household_id":1,"kind":"例行走访"})", {L, O, F, P, F, P}},
        {get, "/visits/due", "/visits/due?staff=1", {}, {L, O, F, O, F, O}},
        {get, "/stats", "/stats?month=2026-05", {}, signed_in},
        {get, "/stats/report.xlsx", "/stats/report.xlsx?month=2026-05", {}, signed_in},
        // Open311 (workflow's): services are public (a service without attributes has no definition: 404);
        // requests need a session or an api_key (403 without, and GeoReport v2 error bodies).
        {get, "/open311/v2/services.json", "/open311/v2/services.json", {}, everyone},
        {get, "/open311/v2/services/{code}.json", "/open311/v2/services/illegal_construction.json", {},
         {P, P, P, P, P, P}},
        {post, "/open311/v2/requests.json", "/open311/v2/requests.json", "{}", {F, P, P, P, F, P}},
        {get, "/open311/v2/requests.json", "/open311/v2/requests.json", {}, {F, O, O, O, O, O}},
        {get, "/open311/v2/requests/{id}.json", "/open311/v2/requests/1.json", {}, {F, O, O, O, O, O}},
        // Last: it ends each caller's session.
        {post, "/auth/logout", "/auth/logout", {}, everyone, true},
    };
    return table;
}

bool meets(Expect expect, unsigned status) {
    switch (expect) {
        case Expect::ok: return status >= 200 && status < 400;
        case Expect::past_gate: return status != 401 && status != 403 && status < 500;
        case Expect::login: return status == 401;
        case Expect::forbidden: return status == 403;
    }
    return false;
}

class AccessMatrix : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server_ = std::make_unique<TestServer>(); }
    static void TearDownTestSuite() { server_.reset(); }

    static Reply get(const std::optional<Account>& who, const std::string& target) {
        return server_->call(who, Method::get, target);
    }
    static json properties_of(const json& collection, std::int64_t id) {
        for (const json& feature : collection.at("features")) {
            if (feature.at("id") == id) return feature.at("properties");
        }
        ADD_FAILURE() << "no household " << id;
        return {};
    }
    /// The newest audit entry of `action`, read as admin over HTTP.
    static json newest_audit_entry(const std::string& action) {
        const Reply reply = get(users::admin, "/audit?limit=1&action=" + action);
        EXPECT_EQ(reply.status, 200U) << reply.body;
        const json entries = reply.json().at("entries");
        return entries.empty() ? json() : entries.at(0);
    }
    static std::size_t audit_count(const std::string& action) {
        return get(users::admin, "/audit?limit=1&action=" + action).json().at("total").get<std::size_t>();
    }

    static std::unique_ptr<TestServer> server_;
};
std::unique_ptr<TestServer> AccessMatrix::server_;

TEST_F(AccessMatrix, TheTableNamesEveryRegisteredRoute) {
    std::set<std::pair<Method, std::string>> in_table;
    for (const Case& row : access_table()) in_table.emplace(row.method, row.pattern);
    const auto routes = server_->app().router().routes();
    std::set<std::pair<Method, std::string>> registered(routes.begin(), routes.end());
    for (const auto& [method, pattern] : registered) {
        EXPECT_TRUE(in_table.contains({method, pattern}))
            << to_string(method) << " " << pattern << " has no row in access_table(): add its access rule";
    }
    for (const auto& [method, pattern] : in_table) {
        EXPECT_TRUE(registered.contains({method, pattern})) << to_string(method) << " " << pattern << " is not a route";
    }
}

TEST_F(AccessMatrix, EachRoleGetsWhatThePolicyAllows) {
    for (const Case& row : access_table()) {
        for (std::size_t i = 0; i < callers.size(); ++i) {
            const Reply reply = server_->call(callers[i], row.method, row.target, row.body);
            EXPECT_TRUE(meets(row.expect[i], reply.status))
                << to_string(row.method) << " " << row.target << " as " << caller_names[i] << ": " << reply.status
                << " " << reply.body.substr(0, 200);
            if ((reply.status == 401 || reply.status == 403) && !row.target.starts_with("/open311")) {
                const json error = json::parse(reply.body, nullptr, false);
                EXPECT_TRUE(error.contains("error") && error["error"]["code"].is_string() &&
                            error["error"]["message"].is_string())
                    << row.target << ": " << reply.body;
                if (reply.status == 401) {
                    EXPECT_EQ(error["error"]["code"], "login_required") << row.target;
                }
            }
            if (row.ends_session && callers[i]) server_->accounts().forget_session(*callers[i]);
        }
    }
}

TEST_F(AccessMatrix, IdentifiersAreMaskedByDefault) {
    const std::size_t reads_before = audit_count("households.read");
    const Reply reply = get(users::worker, "/collections/households/items/1");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    const json properties = reply.json().at("properties");
    EXPECT_EQ(properties.at("head_name"), "户**");
    EXPECT_EQ(properties.at("id_number"), "110105********1231");
    EXPECT_EQ(properties.at("phone"), "138****0001");
    EXPECT_EQ(properties.at("tags"), json({"独居老人"}));
    EXPECT_EQ(reply.header("Cache-Control"), "no-store");
    EXPECT_EQ(reply.header("Vary"), "Authorization, Cookie");

    EXPECT_EQ(audit_count("households.read"), reads_before + 1);
    const json entry = newest_audit_entry("households.read");
    EXPECT_EQ(entry.at("user"), "worker");
    EXPECT_EQ(entry.at("collection"), "households");
    EXPECT_EQ(entry.at("record_ids"), json({"1"}));
    EXPECT_EQ(entry.at("outcome"), "ok");
    EXPECT_EQ(entry.at("client"), "127.0.0.1");
}

TEST_F(AccessMatrix, RevealShowsIdentifiersAndIsAudited) {
    const Reply reply = get(users::supervisor, "/collections/households/items/6?reveal=true");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    const json properties = reply.json().at("properties");
    EXPECT_EQ(properties.at("head_name"), "户主6");
    EXPECT_EQ(properties.at("id_number"), "110105198001011236");
    EXPECT_EQ(properties.at("phone"), "13800000006");
    const json entry = newest_audit_entry("households.reveal");
    EXPECT_EQ(entry.at("user"), "supervisor");
    EXPECT_EQ(entry.at("record_ids"), json({"6"}));
    EXPECT_EQ(entry.at("detail"), "/collections/households/items/6?reveal=true");
}

TEST_F(AccessMatrix, ListsCarryPersonalFieldsOnlyInsideTheScope) {
    const Reply reply = get(users::worker, "/collections/households/items");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    const json items = reply.json();
    EXPECT_EQ(items.at("numberMatched"), 8);  // every household's location and address
    for (std::int64_t id = 1; id <= 8; ++id) {
        const json properties = properties_of(items, id);
        const bool own = id <= 5;  // households 1–5 are in the worker's grid
        for (const char* field : {"head_name", "id_number", "phone", "tags"}) {
            EXPECT_EQ(properties.contains(field), own) << "household " << id << " " << field;
        }
        EXPECT_TRUE(properties.contains("compound")) << id;
    }
    EXPECT_EQ(properties_of(items, 3).at("id_number"), "110105********1233");
    EXPECT_EQ(reply.body.find("110105198001011233"), std::string::npos);
    EXPECT_EQ(newest_audit_entry("households.read").at("record_ids"), json({"1", "2", "3", "4", "5"}));

    const json revealed = get(users::outsider, "/collections/households/items?reveal=true").json();
    EXPECT_EQ(properties_of(revealed, 8).at("phone"), "13800000008");
    EXPECT_FALSE(properties_of(revealed, 1).contains("phone"));
    EXPECT_EQ(newest_audit_entry("households.reveal").at("record_ids"), json({"8"}));

    const json everything = get(users::admin, "/collections/households/items").json();
    for (std::int64_t id = 1; id <= 8; ++id) EXPECT_TRUE(properties_of(everything, id).contains("phone")) << id;
}

TEST_F(AccessMatrix, NoPersonalDataNoAuditEntry) {
    const std::size_t reads_before = audit_count("households.read");
    const Reply planner = get(users::planner, "/collections/households/items");
    ASSERT_EQ(planner.status, 200U);
    EXPECT_EQ(planner.body.find("户主"), std::string::npos);
    EXPECT_EQ(planner.body.find("独居老人"), std::string::npos);
    EXPECT_EQ(planner.header("Cache-Control"), "private, no-cache");
    // Households 6 and 7 only: the worker's own grid is not on the page.
    const Reply outside = get(users::worker, "/collections/households/items?grid_code=110105001001002");
    EXPECT_EQ(outside.body.find("户主"), std::string::npos);
    EXPECT_EQ(audit_count("households.read"), reads_before);
}

TEST_F(AccessMatrix, AnotherGridsHouseholdIs403AndLoggedAsDenied) {
    const Reply reply = get(users::outsider, "/collections/households/items/1");
    EXPECT_EQ(reply.status, 403U);
    EXPECT_EQ(reply.json()["error"]["code"], "out_of_scope");
    EXPECT_EQ(reply.body.find("户主"), std::string::npos);
    const json entry = newest_audit_entry("households.read");
    EXPECT_EQ(entry.at("user"), "outsider");
    EXPECT_EQ(entry.at("record_ids"), json({"1"}));
    EXPECT_EQ(entry.at("outcome"), "denied");
}

TEST_F(AccessMatrix, PerCallerResponsesStayOutOfSharedCaches) {
    const Reply grids = get(std::nullopt, "/collections/grids/items");
    EXPECT_EQ(grids.header("Vary"), "Accept-Encoding");
    const Reply incidents = server_->call(users::planner, Method::get, "/collections/incidents/items");
    EXPECT_EQ(incidents.header("Cache-Control"), "private, no-cache");
    EXPECT_EQ(incidents.header("Vary"), "Authorization, Cookie, Accept-Encoding");  // the server's gzip keeps it
    const Reply tile = get(users::worker, tile_path("households"));
    EXPECT_EQ(tile.header("Cache-Control"), "private, no-cache");
    EXPECT_NE(tile.header("ETag"), get(users::outsider, tile_path("households")).header("ETag"));
    EXPECT_EQ(newest_audit_entry("households.tags").at("user"), "worker");
}

}  // namespace
}  // namespace wangge::http::test
