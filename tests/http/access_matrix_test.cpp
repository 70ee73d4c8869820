// Who may call what (auth/policy.hpp, DESIGN §6), over HTTP: every route the
// server registers × anonymous, a grid worker inside and one outside the
// record's grid, a supervisor, a planner and an admin. The table must name
// every registered route, so a new route without an access rule fails here,
// and every answer of every row is checked per household: personal data
// (names, ID numbers, phones, special-group tags) only of households in the
// caller's scope, and each such household named in an audit entry of the
// request. Then the personal fields of households: masked, revealed, left
// out, and the audit entries of each read; the audit of draft writes and
// refused writes; cross-site requests; the security headers.

#include <array>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/images.hpp"
#include "support/temp_dir.hpp"
#include "support/test_app.hpp"
#include "wangge/basemap/basemap.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

model::Dataset matrix_dataset() {
    model::Dataset data = sample_dataset();
    // Staff 3 (the outsider) also backs up the worker's grid: its due list spans two scopes.
    data.staff_grids.push_back({3, "110105001001001", model::Duty::backup});
    // Household 8 (the outsider's grid) gets a special group nobody else has.
    data.households.back().tags = {"社区矫正"};
    // Staff 4 works only in the outsider's grid, outside the supervisor's community.
    data.staff.push_back({4, "赵强", "010-65001004", "专职网格员"});
    data.staff_grids.push_back({4, "110105001002001", model::Duty::backup});
    return data;
}

/// The routes as `wangge serve` wires them (the composition root), over
/// matrix_dataset() in a GeoPackage that also keeps the accounts.
class FullServer {
public:
    FullServer() : app_(TestAppOptions{.data = matrix_dataset(), .basemap = {.file = matrix_basemap(basemap_dir_.path())}}) {
        app_.serve();
    }

    [[nodiscard]] std::vector<std::pair<Method, std::string>> routes() { return app_.app().router().routes(); }
    [[nodiscard]] Accounts& accounts() noexcept { return app_.accounts(); }

    /// Anonymous when `who` is nullopt.
    Reply call(const std::optional<Account>& who, Method method, const std::string& target,
               const std::string& body = {}) {
        return app_.call(who, method, target, body);
    }
    /// With exactly these headers.
    Reply send(Method method, const std::string& target, const Headers& headers, const std::string& body = {}) {
        return Client(app_.port()).request(method, target, headers, body);
    }
    [[nodiscard]] unsigned short port() const noexcept { return app_.port(); }

private:
    /// The outlines of matrix_dataset()'s households as a basemap file in `dir`.
    static std::filesystem::path matrix_basemap(const std::filesystem::path& dir) {
        const auto path = dir / "basemap.mbtiles";
        (void)basemap::write_tiles(basemap::areas_from_households(matrix_dataset().households), path, {});
        return path;
    }

    TempDir basemap_dir_;  // before app_, which serves the file in it
    TestApp app_;
};

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

/// The same tile at OGC API Tiles' path: row (y) before column (x).
std::string ogc_tile_path(const char* layer) {
    const tiles::TileId tile = tiles::tile_containing({116.401, 39.901}, 14);
    return std::string("/collections/") + layer + "/tiles/WebMercatorQuad/14/" + std::to_string(tile.y) + "/" +
           std::to_string(tile.x);
}

const std::string in_web_mercator = "crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F3857";

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
        {get, "/collections/{collection}", "/collections/organisations", {}, signed_in},
        {get, "/collections/{collection}/items", "/collections/grids/items", {}, everyone},
        {get, "/collections/{collection}/items", "/collections/households/items", {}, signed_in},
        // Out-of-scope households stay in the list without personal fields; planners may never reveal.
        {get, "/collections/{collection}/items", "/collections/households/items?reveal=true", {}, {L, O, O, O, F, O}},
        // Another CRS changes coordinates only: the same records, the same personal data per household.
        {get, "/collections/{collection}/items", "/collections/households/items?" + in_web_mercator, {}, signed_in},
        {get, "/collections/{collection}/items", "/collections/households/items?reveal=true&" + in_web_mercator, {},
         {L, O, O, O, F, O}},
        {get, "/collections/{collection}/items", "/collections/facilities/items", {}, signed_in},
        {get, "/collections/{collection}/items", "/collections/organisations/items", {}, signed_in},
        {get, "/collections/{collection}/items", "/collections/incidents/items", {}, signed_in},
        {get, "/collections/{collection}/items/{id}", "/collections/grids/items/110105001001001", {}, everyone},
        {get, "/collections/{collection}/items/{id}", "/collections/households/items/1", {}, {L, O, F, O, O, O}},
        {get, "/collections/{collection}/items/{id}", "/collections/households/items/1?reveal=true", {},
         {L, O, F, O, F, O}},
        {get, "/collections/{collection}/items/{id}", "/collections/households/items/1?" + in_web_mercator, {},
         {L, O, F, O, O, O}},
        // Household 8 is in grid 110105001002001: the outsider's, outside the supervisor's community.
        {get, "/collections/{collection}/items/{id}", "/collections/households/items/8", {}, {L, F, O, F, O, O}},
        {get, "/collections/{collection}/items/{id}", "/collections/households/items/8?crs=%5BEPSG:4527%5D", {},
         {L, F, O, F, O, O}},
        {get, "/collections/{collection}/items/{id}", "/collections/facilities/items/1", {}, signed_in},
        // Facility 1 is no organisation: 404 past the gate, after the same 401 as the collection.
        {get, "/collections/{collection}/items/{id}", "/collections/organisations/items/1", {}, {L, P, P, P, P, P}},
        {get, "/collections/{collection}/items/{id}", "/collections/incidents/items/1", {}, signed_in},
        {get, "/lookup", "/lookup?lon=116.405&lat=39.91", {}, everyone},
        // The public grid page: compound names find grids, the card and its QR code; nothing personal.
        {get, "/public/grids/search", "/public/grids/search?q=%E5%90%89%E5%BA%86%E9%87%8C", {}, everyone},
        {get, "/public/grids/{code}", "/public/grids/110105001001001", {}, everyone},
        {get, "/public/grids/{code}/qr.svg", "/public/grids/110105001001001/qr.svg", {}, everyone},
        {get, "/tiles/{layer}.json", "/tiles/grids.json", {}, everyone},
        {get, "/tiles/{layer}.json", "/tiles/households.json", {}, signed_in},
        {get, "/tiles/{layer}.json", "/tiles/heat.json", {}, signed_in},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("grids"), {}, everyone},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("households"), {}, signed_in},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("facilities"), {}, signed_in},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("incidents"), {}, signed_in},
        {get, "/tiles/{layer}/{z}/{x}/{y}.mvt", tile_path("heat"), {}, signed_in},
        // OGC API Tiles: the metadata as public as the layer, the tiles as at /tiles.
        {get, "/tileMatrixSets", "/tileMatrixSets", {}, everyone},
        {get, "/tileMatrixSets/{tileMatrixSetId}", "/tileMatrixSets/WebMercatorQuad", {}, everyone},
        {get, "/tiles", "/tiles", {}, everyone},
        {get, "/collections/{collection}/tiles", "/collections/grids/tiles", {}, everyone},
        {get, "/collections/{collection}/tiles", "/collections/households/tiles", {}, signed_in},
        {get, "/collections/{collection}/tiles", "/collections/incidents/tiles", {}, signed_in},
        {get, "/collections/{collection}/tiles/{tileMatrixSetId}", "/collections/grids/tiles/WebMercatorQuad", {},
         everyone},
        {get, "/collections/{collection}/tiles/{tileMatrixSetId}", "/collections/households/tiles/WebMercatorQuad", {},
         signed_in},
        {get, "/collections/{collection}/tiles/{tileMatrixSetId}", "/collections/facilities/tiles/WebMercatorQuad", {},
         signed_in},
        {get, "/collections/{collection}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
         ogc_tile_path("grids"), {}, everyone},
        {get, "/collections/{collection}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
         ogc_tile_path("households"), {}, signed_in},
        {get, "/collections/{collection}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
         ogc_tile_path("incidents"), {}, signed_in},
        // Everyone may follow the changes, of the layers they may read (tile_feed_test.cpp);
        // the stream is asked with a malformed cursor, so it answers 400 instead of streaming.
        {get, "/tiles/changes", "/tiles/changes", {}, everyone},
        {get, "/tiles/events", "/tiles/events?after=none", {}, {P, P, P, P, P, P}},
        {post, "/validate", "/validate", small_layout, signed_in},
        {get, "/rules", "/rules", {}, everyone},
        // 15分钟生活圈: shares are statistics (counts, no household identity); the kinds are configuration.
        {get, "/service-circles/kinds", "/service-circles/kinds", {}, everyone},
        {get, "/service-circles", "/service-circles?kind=health&area=110105001001001", {}, {L, O, F, O, O, O}},
        {get, "/service-circles/uncovered.geojson", "/service-circles/uncovered.geojson?kind=health", {}, signed_in},
        {get, "/map", "/map", {}, everyone},
        {get, "/map/{path*}", "/map/index.html", {}, everyone},
        {get, "/styles", "/styles", {}, everyone},
        {get, "/styles/{path*}", "/styles/grids.json", {}, everyone},
        // The basemap is public map data (streets, compound and building outlines), no personal data.
        {get, "/basemap.json", "/basemap.json", {}, everyone},
        {get, "/basemap/{z}/{x}/{y}", "/basemap/14/" + std::to_string(tiles::tile_containing({116.401, 39.901}, 14).x) +
                                          "/" + std::to_string(tiles::tile_containing({116.401, 39.901}, 14).y),
         {}, everyone},
        // Printed grid maps carry the public contact card and the basemap, nothing personal.
        {get, "/print/grids/{code}.pdf", "/print/grids/110105001001001.pdf", {}, everyone},
        {get, "/print/grids/{code}.png", "/print/grids/110105001001001.png", {}, everyone},
        {get, "/print/communities/{code}.pdf", "/print/communities/110105001001.pdf", {}, everyone},
        {get, "/print/streets/{code}.pdf", "/print/streets/110105001.pdf", {}, everyone},
        {post, "/auth/login", "/auth/login", R"({"username":"nobody"})", {P, P, P, P, P, P}},
        {get, "/auth/me", "/auth/me", {}, signed_in},
        {get, "/audit", "/audit", {}, {L, F, F, F, F, O}},
        {post, "/drafts", "/drafts", {}, {L, F, F, F, O, O}},
        {get, "/drafts/{id}", "/drafts/none", {}, editors},
        {Method::delete_, "/drafts/{id}", "/drafts/none", {}, editors},
        {post, "/drafts/{id}/grids", "/drafts/none/grids", "{}", editors},
        {Method::put, "/drafts/{id}/grids/{code}", "/drafts/none/grids/110105001001001", "{}", editors},
        {Method::delete_, "/drafts/{id}/grids/{code}", "/drafts/none/grids/110105001001001", {}, editors},
        {post, "/drafts/{id}/grids/{code}/check", "/drafts/none/grids/110105001001001/check", "{}", editors},
        {post, "/drafts/{id}/split", "/drafts/none/split", "{}", editors},
        {post, "/drafts/{id}/merge", "/drafts/none/merge", "{}", editors},
        {post, "/drafts/{id}/move-border", "/drafts/none/move-border", "{}", editors},
        {post, "/drafts/{id}/snap", "/drafts/none/snap", "{}", editors},
        {post, "/drafts/{id}/move-vertex", "/drafts/none/move-vertex", "{}", editors},
        {post, "/drafts/{id}/renumber", "/drafts/none/renumber", "{}", editors},
        {post, "/drafts/{id}/validate", "/drafts/none/validate", {}, editors},
        {post, "/drafts/{id}/publish", "/drafts/none/publish", "{}", editors},
        // A dry run (the default) of a one-row roster: checked and reported, nothing written.
        {post, "/import/{layer}", "/import/households?filename=r.csv", "lon,lat\n116.405,39.905\n",
         {L, F, F, F, O, O}},
        {post, "/incidents", "/incidents", new_case_in_west_grid, {L, O, F, O, F, O}},
        {get, "/incidents/overdue", "/incidents/overdue?area=110105001001001", {}, signed_in},
        // Case photos: a before-photo of incident 1 ("reported", the worker's grid) needs report_incident
        // in its grid; the worker's upload (first) is photo 1, which every signed-in caller may read.
        {post, "/incidents/{id}/photos", "/incidents/1/photos?stage=report", jpeg_bytes(8, 8), {L, O, F, O, F, O}},
        {get, "/incidents/{id}/photos", "/incidents/1/photos", {}, signed_in},
        {get, "/incidents/{id}/photos/{photo}", "/incidents/1/photos/1", {}, signed_in},
        // Escalated cases: for those who handle cases, each in their scope (the outsider's list is empty).
        {get, "/incidents/escalated", "/incidents/escalated", {}, {L, O, O, O, F, O}},
        // The stream asked for an unknown area answers 404 instead of streaming.
        {get, "/incidents/escalated/events", "/incidents/escalated/events?area=none", {}, {L, P, P, P, F, P}},
        {get, "/incidents/{id}", "/incidents/1", {}, signed_in},
        // Incident 1 is "reported": closing it is illegal (409) for those who may handle it at all.
        {post, "/incidents/{id}/transitions", "/incidents/1/transitions", R"({"action":"close"})",
         {L, P, F, P, F, P}},
        // Supervisor and admin have no staff record: 400 past the gate.
        {post, "/visits", "/visits", R"({"household_id":1,"kind":"日常走访"})", {L, O, F, P, F, P}},
        {get, "/visits/kinds", "/visits/kinds", {}, {L, O, O, O, F, O}},
        {get, "/visits/due", "/visits/due?staff=1", {}, {L, O, F, O, F, O}},
        // Staff 3's grids: the outsider's and the worker's; each caller gets only their households of it.
        {get, "/visits/due", "/visits/due?staff=3", {}, {L, O, O, O, F, O}},
        {get, "/stats", "/stats?month=2026-05", {}, signed_in},
        {get, "/stats/report.xlsx", "/stats/report.xlsx?month=2026-05", {}, signed_in},
        // 吹哨报到: the chooser for whoever handles cases; adding a department is the admin's (an
        // empty body: 400 past the gate); a department's cases to the command centre (and to the
        // department's own account: ADepartmentAccountReachesOnlyItsCases).
        {get, "/departments", "/departments", {}, {L, O, O, O, F, O}},
        {post, "/departments", "/departments", "{}", {L, F, F, F, F, P}},
        {get, "/departments/{code}/incidents", "/departments/chengguan/incidents", {}, {L, O, O, O, F, O}},
        {get, "/stats/departments", "/stats/departments?month=2026-05", {}, signed_in},
        {get, "/stats/ranking", "/stats/ranking?period=2026-Q2", {}, signed_in},
        // Incident 1 is not closed: a rating is refused (409) past the gate.
        {post, "/incidents/{id}/rating", "/incidents/1/rating", R"({"score":5})", {L, P, P, P, F, P}},
        {post, "/open311/v2/requests/{id}/rating.json", "/open311/v2/requests/1/rating.json", "{}",
         {F, P, P, P, F, P}},
        {get, "/stats/demands", "/stats/demands?month=2026-05", {}, signed_in},
        // Open311 (workflow's): services are public (a service without attributes has no definition: 404);
        // requests need a session or an api_key (403 without, and GeoReport v2 error bodies).
        {get, "/open311/v2/services.json", "/open311/v2/services.json", {}, everyone},
        {get, "/open311/v2/services/{code}.json", "/open311/v2/services/illegal_construction.json", {},
         {P, P, P, P, P, P}},
        {post, "/open311/v2/requests.json", "/open311/v2/requests.json", "{}", {F, P, P, P, F, P}},
        {get, "/open311/v2/requests.json", "/open311/v2/requests.json", {}, {F, O, O, O, O, O}},
        {get, "/open311/v2/requests/{id}.json", "/open311/v2/requests/1.json", {}, {F, O, O, O, O, O}},
        // Staffing: supervisors read it and mark leave in their scope, planners also assign AB岗.
        {get, "/staff", "/staff?q=张", {}, {L, F, F, O, O, O}},
        {get, "/grids/{code}/staff", "/grids/110105001001001/staff", {}, {L, F, F, O, O, O}},
        // The links the grid has already: the same list stored again.
        {Method::put, "/grids/{code}/staff", "/grids/110105001001001/staff",
         R"({"staff":[{"id":1,"duty":"A"},{"id":2,"duty":"B"},{"id":3,"duty":"B"}]})", {L, F, F, F, O, O}},
        {Method::put, "/staff/{id}/leave", "/staff/2/leave", R"({"from":null,"until":null})", {L, F, F, O, O, O}},
        // Staff 4 works only outside the supervisor's community.
        {Method::put, "/staff/{id}/leave", "/staff/4/leave", R"({"from":"2026-01-05","until":null})",
         {L, F, F, F, O, O}},
        // Household upkeep: workers and supervisors in their scope. A household in the worker's grid without
        // its compound (refused past the gate, so the households the later tests count stay as they are);
        // household 2's members set (the second caller allowed finds nothing to change: 400 past the gate);
        // an unknown household moved out (404 past the gate).
        {post, "/households", "/households", R"({"lon":116.4075,"lat":39.9075,"room":"301","head_name":"新户"})",
         {L, P, F, P, F, P}},
        {Method::patch, "/households/{id}", "/households/2", R"({"members":4})", {L, O, F, P, F, P}},
        {post, "/households/{id}/move-out", "/households/999/move-out", "{}", {L, P, P, P, F, P}},
        {get, "/households/{id}/history", "/households/2/history", {}, {L, O, F, O, F, O}},
        {get, "/households/changes", "/households/changes", {}, {L, O, O, O, F, O}},
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
    static void SetUpTestSuite() { server_ = std::make_unique<FullServer>(); }
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

    static std::unique_ptr<FullServer> server_;
};
std::unique_ptr<FullServer> AccessMatrix::server_;

TEST_F(AccessMatrix, TheTableNamesEveryRegisteredRoute) {
    std::set<std::pair<Method, std::string>> in_table;
    for (const Case& row : access_table()) in_table.emplace(row.method, row.pattern);
    const auto routes = server_->routes();
    std::set<std::pair<Method, std::string>> registered(routes.begin(), routes.end());
    for (const auto& [method, pattern] : registered) {
        EXPECT_TRUE(in_table.contains({method, pattern}))
            << to_string(method) << " " << pattern << " has no row in access_table(): add its access rule";
    }
    for (const auto& [method, pattern] : in_table) {
        EXPECT_TRUE(registered.contains({method, pattern})) << to_string(method) << " " << pattern << " is not a route";
    }
}

/// What of household `id` (of sample_dataset(), with the tags FullServer gives) counts as personal data in an
/// answer: its head's name, ID number and phone, whole or masked, and the special-group tags only it has.
std::vector<std::string> personal_markers(int id) {
    const std::string digit = std::to_string(id);
    std::vector<std::string> markers{"户主" + digit, "11010519800101123" + digit, "********123" + digit,
                                     "1380000000" + digit, "138****000" + digit};
    if (id == 1) markers.emplace_back("独居老人");
    if (id == 3) markers.insert(markers.end(), {"低保", "残疾人"});
    if (id == 6) markers.emplace_back("流动人口/出租房");
    if (id == 8) markers.emplace_back("社区矫正");
    return markers;
}

/// The households 1–8 whose personal data the body carries.
std::set<int> households_shown(const std::string& body) {
    std::set<int> shown;
    for (int id = 1; id <= 8; ++id) {
        for (const std::string& marker : personal_markers(id)) {
            if (body.find(marker) != std::string::npos) shown.insert(id);
        }
    }
    return shown;
}

/// May `who` see household `id`'s personal data (auth::personal_view)?
bool in_personal_scope(const std::optional<Account>& who, int id) {
    static const std::array<const char*, 9> grid_of{"",
                                                    "110105001001001", "110105001001001", "110105001001001",
                                                    "110105001001001", "110105001001001", "110105001001002",
                                                    "110105001001002", "110105001002001"};
    auth::Principal principal;
    if (who) principal.user = auth::User{.name = who->name, .role = who->role, .grid_codes = who->grids};
    return auth::personal_view(principal, grid_of.at(static_cast<std::size_t>(id)), true) != auth::PersonalView::none;
}

TEST_F(AccessMatrix, EachRoleGetsWhatThePolicyAllowsAndPersonalDataStaysInScope) {
    auth::AuthService& audit_log = server_->accounts().service();
    const auto newest_audit_id = [&] {
        const auth::AuditPage page = audit_log.audit_log({.limit = 1});
        return page.entries.empty() ? std::int64_t{0} : page.entries[0].id;
    };
    for (const Case& row : access_table()) {
        for (std::size_t i = 0; i < callers.size(); ++i) {
            const std::int64_t audited_before = newest_audit_id();
            const Reply reply = server_->call(callers[i], row.method, row.target, row.body);
            // Per household: personal data only inside the caller's scope, and every household shown audited.
            // /visits/kinds lists the special groups by name (the vocabulary the tags use), no household.
            const std::set<int> shown = row.pattern == "/visits/kinds" ? std::set<int>{} : households_shown(reply.body);
            std::set<std::string> audited;
            for (const auth::AuditEntry& entry : audit_log.audit_log({.limit = 100}).entries) {
                if (entry.id <= audited_before) break;
                if (entry.action.starts_with("households.")) audited.insert(entry.record_ids.begin(), entry.record_ids.end());
            }
            for (const int id : shown) {
                EXPECT_TRUE(in_personal_scope(callers[i], id))
                    << to_string(row.method) << " " << row.target << " as " << caller_names[i]
                    << " shows personal data of household " << id << ", outside the caller's scope";
                EXPECT_TRUE(audited.contains(std::to_string(id)))
                    << to_string(row.method) << " " << row.target << " as " << caller_names[i]
                    << " shows personal data of household " << id << " without an audit entry naming it";
            }
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

TEST_F(AccessMatrix, DueListsKeepOnlyTheCallersHouseholdsAndAreAudited) {
    // Staff 3 works in the outsider's grid and backs up the worker's: the worker sees only their own households.
    const Reply reply = get(users::worker, "/visits/due?staff=3");
    ASSERT_EQ(reply.status, 200U) << reply.body;
    // Household 8 (社区矫正, the outsider's grid) is due too, but not the worker's to see. Households 1 and 3
    // are the worker's special-group households (1 may already be visited this month by the table's POST /visits).
    json listed = json::array();
    const json due = reply.json();  // json() parses anew: keep the document alive while iterating
    for (const json& item : due.at("due")) {
        const std::int64_t id = item.at("household_id").get<std::int64_t>();
        EXPECT_TRUE(id == 1 || id == 3) << reply.body;
        listed.push_back(std::to_string(id));
    }
    EXPECT_FALSE(listed.empty()) << reply.body;
    EXPECT_EQ(reply.body.find("社区矫正"), std::string::npos);
    EXPECT_EQ(reply.header("Cache-Control"), "no-store");
    const json entry = newest_audit_entry("households.read");
    EXPECT_EQ(entry.at("user"), "worker");
    EXPECT_EQ(entry.at("record_ids"), listed);
    EXPECT_EQ(entry.at("detail"), "/visits/due?staff=3");
}

TEST_F(AccessMatrix, DraftWritesAreAudited) {
    const Reply created = server_->call(users::planner, Method::post, "/drafts");
    ASSERT_EQ(created.status, 201U) << created.body;
    const std::string id = created.json().at("id");
    json entry = newest_audit_entry("drafts.create");
    EXPECT_EQ(entry.at("user"), "planner");
    EXPECT_EQ(entry.at("collection"), "drafts");
    EXPECT_EQ(entry.at("record_ids"), json({id}));

    const Reply renamed = server_->call(users::planner, Method::put, "/drafts/" + id + "/grids/110105001001001",
                                        R"({"name":"吉庆里西网格"})");
    ASSERT_EQ(renamed.status, 200U) << renamed.body;
    entry = newest_audit_entry("drafts.edit");
    EXPECT_EQ(entry.at("record_ids"), json({id}));
    EXPECT_EQ(entry.at("detail"), "PUT /drafts/" + id + "/grids/110105001001001");

    ASSERT_EQ(server_->call(users::planner, Method::delete_, "/drafts/" + id).status, 204U);
    entry = newest_audit_entry("drafts.delete");
    EXPECT_EQ(entry.at("user"), "planner");
    EXPECT_EQ(entry.at("record_ids"), json({id}));
}

TEST_F(AccessMatrix, RefusedWritesAreAudited) {
    const std::size_t before = audit_count("http.denied");
    EXPECT_EQ(server_->call(users::worker, Method::post, "/drafts").status, 403U);
    EXPECT_EQ(server_->call(users::outsider, Method::post, "/incidents", new_case_in_west_grid).status, 403U);
    EXPECT_EQ(audit_count("http.denied"), before + 2);
    const json entry = newest_audit_entry("http.denied");
    EXPECT_EQ(entry.at("user"), "outsider");
    EXPECT_EQ(entry.at("collection"), "incidents");
    EXPECT_EQ(entry.at("outcome"), "denied");
    EXPECT_EQ(entry.at("detail"), "POST /incidents: out_of_scope");
}

TEST_F(AccessMatrix, SupervisorsRecordVisitsOnlyForStaffInTheirScope) {
    // Staff 4 works only in grid 110105001002001, outside the supervisor's community: a visit in
    // their name would change their statistics.
    const Reply outside = server_->call(users::supervisor, Method::post, "/visits",
                                        R"({"household_id":2,"staff_id":4,"kind":"日常走访"})");
    EXPECT_EQ(outside.status, 403U) << outside.body;
    EXPECT_EQ(outside.json()["error"]["code"], "out_of_scope");
    const Reply inside = server_->call(users::supervisor, Method::post, "/visits",
                                       R"({"household_id":2,"staff_id":3,"kind":"日常走访"})");
    EXPECT_EQ(inside.status, 201U) << inside.body;
}

TEST_F(AccessMatrix, CrossSiteWritesAreRefused) {
    const std::string cookie = "wangge_session=" + server_->accounts().token(users::worker);
    const std::string host = "127.0.0.1:" + std::to_string(server_->port());
    const Headers same_origin{{"Cookie", cookie}, {"Host", host}, {"Origin", "http://" + host},
                              {"Sec-Fetch-Site", "same-origin"}};
    const auto with = [&](Headers headers, std::initializer_list<std::pair<std::string, std::string>> more) {
        for (const auto& header : more) headers.push_back(header);
        return headers;
    };
    // What a foreign page can send without asking the browser first: text/plain and forms.
    const Reply text = server_->send(Method::post, "/incidents", with(same_origin, {{"Content-Type", "text/plain"}}),
                                     new_case_in_west_grid);
    EXPECT_EQ(text.status, 415U) << text.body;
    EXPECT_EQ(text.json()["error"]["code"], "unsupported_media_type");
    const Reply form = server_->send(Method::post, "/incidents",
                                     with(same_origin, {{"Content-Type", "application/x-www-form-urlencoded"}}),
                                     "category=x");
    EXPECT_EQ(form.status, 415U) << form.body;
    // JSON from another origin (another port of the same host is one) with the cookie.
    Headers foreign{{"Cookie", cookie}, {"Host", host}, {"Origin", "http://127.0.0.1:1"},
                    {"Content-Type", "application/json"}};
    const Reply other_port = server_->send(Method::post, "/incidents", foreign, new_case_in_west_grid);
    EXPECT_EQ(other_port.status, 403U) << other_port.body;
    EXPECT_EQ(other_port.json()["error"]["code"], "cross_site_request");
    EXPECT_EQ(newest_audit_entry("http.denied").at("detail"), "POST /incidents: cross_site_request");
    // The map's own call: same origin, JSON.
    const Reply own = server_->send(Method::post, "/incidents",
                                    with(same_origin, {{"Content-Type", "application/json"}}), new_case_in_west_grid);
    EXPECT_EQ(own.status, 201U) << own.body;
    // A text/plain login would set a cookie for the attacker's account (login CSRF).
    const Reply login = server_->send(Method::post, "/auth/login", {{"Content-Type", "text/plain"}},
                                      R"({"username":"worker","password":"test password 123"})");
    EXPECT_EQ(login.status, 415U);
    EXPECT_TRUE(login.header("Set-Cookie").empty());
}

TEST_F(AccessMatrix, AnswersCarrySecurityHeaders) {
    const Reply health = get(std::nullopt, "/health");
    EXPECT_EQ(health.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(health.header("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
    const Reply page = get(std::nullopt, "/map/index.html");
    ASSERT_EQ(page.status, 200U);
    const std::string policy = page.header("Content-Security-Policy");
    EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("worker-src 'self' blob:"), std::string::npos) << policy;
    EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
    EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
}

}  // namespace
}  // namespace wangge::http::test

namespace wangge::http::test {
namespace {

const Account department_desk{"chengguan_desk", auth::Role::department, {"chengguan"}};

/// What a department account may use besides the public routes: its own cases and the
/// department list, facilities and organisations (not personal), its session.
bool department_may(const Case& row) {
    static const std::set<std::string> patterns{"/auth/me", "/departments", "/departments/{code}/incidents"};
    return (patterns.contains(row.pattern) && row.method == Method::get) ||
           row.target.find("facilities") != std::string::npos || row.target.find("organisations") != std::string::npos;
}

}  // namespace

TEST_F(AccessMatrix, ADepartmentAccountReachesOnlyItsCases) {
    for (const Case& row : access_table()) {
        if (row.ends_session || row.expect[0] == Expect::ok || row.expect[0] == Expect::past_gate) continue;
        const Reply reply = server_->call(department_desk, row.method, row.target, row.body);
        SCOPED_TRACE(std::string(to_string(row.method)) + " " + row.target);
        // Allowed: what the admin gets (a row whose request itself is refused past the gate stays so).
        const Expect allowed = row.expect[5] == Expect::past_gate ? Expect::past_gate : Expect::ok;
        EXPECT_TRUE(meets(department_may(row) ? allowed : Expect::forbidden, reply.status))
            << reply.status << " " << reply.body;
        EXPECT_EQ(households_shown(reply.body), std::set<int>{});
    }
    // Another department's list, and a case nobody dispatched to it: refused, and the write audited.
    EXPECT_EQ(server_->call(department_desk, Method::get, "/departments/wuye/incidents").status, 403U);
    const std::size_t before = audit_count("http.denied");
    EXPECT_EQ(server_->call(department_desk, Method::post, "/incidents/1/transitions", R"({"action":"acknowledge"})").status,
              403U);
    EXPECT_EQ(audit_count("http.denied"), before + 1);
    EXPECT_EQ(newest_audit_entry("http.denied").at("user"), "chengguan_desk");
}

}  // namespace wangge::http::test
