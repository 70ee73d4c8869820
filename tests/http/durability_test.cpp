// Crash safety end to end (issue #8): the real `wangge serve` over a
// GeoPackage store takes a stream of POST /incidents, POST /visits and case
// photos (POST /incidents/1/photos, issue #15) from
// several threads and is killed with SIGKILL at a random moment. The store
// must then open, be consistent, and hold every write that got a 2xx, each
// with its audit row, and no audit row of a write it does not hold (issue
// #13); a new server must serve it. Repeated at several kill points on the
// same store.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "support/client.hpp"
#include "support/datasets.hpp"
#include "support/images.hpp"
#include "support/temp_dir.hpp"
#include "wangge/auth/auth_store.hpp"
#include "wangge/model/time.hpp"
#include "wangge/store/geopackage.hpp"
#include "wangge/store/household_versions.hpp"
#include "wangge/store/photos.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

using nlohmann::json;

constexpr const char* password = "durable password";
constexpr const char* west_grid = "110105001001001";  // staff 1 (张伟) is its A岗 worker
constexpr const char* stream_prefix = "stream ";

/// What the server acknowledged with a 2xx: id → the description or note sent.
struct Acknowledged {
    std::mutex mutex;
    std::map<std::int64_t, std::string> incidents;
    std::map<std::int64_t, std::string> visits;
    std::map<std::int64_t, std::size_t> photos;  ///< photo id → bytes
    std::vector<std::string> failures;  ///< answers other than 201 before the kill
    std::atomic<int> count{0};
};

std::string run(const std::string& command) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return output;
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
    pclose(pipe);
    return output;
}

class DurabilityTest : public ::testing::Test {
protected:
    DurabilityTest() {
        {
            store::GeoPackageStore store = store::GeoPackageStore::create(store_path_);
            model::Dataset data = sample_dataset();
            store.append(data);
        }
        Child add({wangge_binary, "user", "add", "--store", store_path_.string(), "--name", "li", "--role",
                   "grid_worker", "--grids", west_grid, "--staff-id", "1", "--password-stdin"},
                  std::string(password) + "\n");
        EXPECT_EQ(add.wait(), 0);
    }

    [[nodiscard]] ServeProcess serve() const {
        return ServeProcess({"--store", store_path_.string(), "--port", "0", "--threads", "2", "--quiet", "--web",
                             (dir_.path() / "web").string(), "--categories",
                             std::string(WANGGE_SOURCE_DIR) + "/data/categories.json"});
    }

    static std::string login(unsigned short port) {
        const Reply reply = Client(port).request(Method::post, "/auth/login", {{"Content-Type", "application/json"}},
                                                 json{{"username", "li"}, {"password", password}}.dump());
        EXPECT_EQ(reply.status, 200U) << reply.body;
        return reply.json().at("token").get<std::string>();
    }

    /// One writer thread: in turn reports an incident, records a visit and
    /// adds a photo to incident 1, on its own keep-alive connection until the connection breaks.
    static void write_stream(unsigned short port, const std::string& token, int thread, Acknowledged& acknowledged,
                             const std::atomic<bool>& killed) {
        const Headers headers{{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}};
        const std::string photo = jpeg_bytes(32 + thread, 24);
        try {
            Client client(port);
            for (int n = 0;; ++n) {
                const std::string text = stream_prefix + std::to_string(thread) + "-" + std::to_string(n);
                if (n % 3 == 2) {
                    const Reply reply = client.request(Method::post, "/incidents/1/photos?stage=report",
                                                       {{"Content-Type", "image/jpeg"}, headers[1]}, photo);
                    const std::lock_guard lock(acknowledged.mutex);
                    if (reply.status == 201) {
                        acknowledged.photos[reply.json().at("id").get<std::int64_t>()] = photo.size();
                        ++acknowledged.count;
                    } else if (!killed) {
                        acknowledged.failures.push_back(std::to_string(reply.status) + " " + reply.body);
                    }
                    continue;
                }
                const bool incident = n % 3 == 0;
                const json body = incident ? json{{"category", "违法建设"},
                                                  {"triage", "general"},
                                                  {"source", "网格员巡查"},
                                                  {"description", text},
                                                  {"lon", 116.401 + 0.001 * (n % 8)},
                                                  {"lat", 39.905}}
                                           : json{{"household_id", 1 + n % 5}, {"kind", "日常走访"}, {"note", text}};
                const Reply reply = client.request(Method::post, incident ? "/incidents" : "/visits", headers, body.dump());
                const std::lock_guard lock(acknowledged.mutex);
                if (reply.status / 100 == 2) {
                    const auto id = reply.json().at("id").get<std::int64_t>();
                    (incident ? acknowledged.incidents : acknowledged.visits)[id] = text;
                    ++acknowledged.count;
                } else if (!killed) {
                    acknowledged.failures.push_back(std::to_string(reply.status) + " " + reply.body);
                }
            }
        } catch (const std::exception&) {
            // The server died mid-request: that write is unacknowledged.
        }
    }

    /// Opens the store with the library and checks it against what was acknowledged.
    void check_store(const Acknowledged& acknowledged) const {
        const model::Dataset data = store::GeoPackageStore::open(store_path_).load();
        std::set<std::int64_t> incident_ids;
        for (const model::Incident& incident : data.incidents) {
            EXPECT_TRUE(incident_ids.insert(incident.id).second) << "incident id " << incident.id << " twice";
        }
        std::map<std::int64_t, int> events_of;
        std::set<std::int64_t> event_ids;
        for (const model::IncidentEvent& event : data.incident_events) {
            EXPECT_TRUE(event_ids.insert(event.id).second) << "event id " << event.id << " twice";
            EXPECT_TRUE(incident_ids.contains(event.incident_id)) << "event " << event.id << " of no incident";
            EXPECT_EQ(event.to_state, "reported");
            ++events_of[event.incident_id];
        }
        // No half-written case: each streamed incident was stored with exactly its first event.
        std::map<std::int64_t, std::string> stored_incidents;
        for (const model::Incident& incident : data.incidents) {
            if (!incident.description.starts_with(stream_prefix)) continue;
            stored_incidents[incident.id] = incident.description;
            EXPECT_EQ(events_of[incident.id], 1) << "incident " << incident.id << " has no single history row";
            EXPECT_EQ(incident.state, "reported");
            EXPECT_EQ(incident.grid_code, west_grid);
        }
        std::map<std::int64_t, std::string> stored_visits;
        for (const model::Visit& visit : data.visits) {
            EXPECT_TRUE(stored_visits.emplace(visit.id, visit.note).second) << "visit id " << visit.id << " twice";
            EXPECT_EQ(visit.staff_id, 1);
        }
        for (const auto& [id, text] : acknowledged.incidents) {
            EXPECT_EQ(stored_incidents[id], text) << "acknowledged incident " << id << " lost";
        }
        for (const auto& [id, text] : acknowledged.visits) {
            EXPECT_EQ(stored_visits[id], text) << "acknowledged visit " << id << " lost";
        }
        // Rows written but not acknowledged (killed between commit and reply) may
        // exist, at most one per writer thread per table and kill so far.
        const std::size_t unacknowledged = writer_threads * kills_;
        EXPECT_LE(stored_incidents.size(), acknowledged.incidents.size() + unacknowledged);
        EXPECT_LE(stored_visits.size(), acknowledged.visits.size() + unacknowledged);
        stored_incident_count_ = data.incidents.size();

        // Photos: every acknowledged one stored whole, each stored one with one audit row.
        std::map<std::int64_t, std::size_t> stored_photos;
        for (const store::PhotoInfo& photo : store::list_photos(store_path_, 1)) stored_photos[photo.id] = photo.size;
        for (const auto& [id, size] : acknowledged.photos) {
            EXPECT_EQ(stored_photos[id], size) << "acknowledged photo " << id << " lost";
            const std::optional<store::Photo> bytes = store::read_photo(store_path_, 1, id);
            EXPECT_TRUE(bytes && bytes->bytes.size() == size) << "photo " << id << " is not whole";
        }
        EXPECT_LE(stored_photos.size(), acknowledged.photos.size() + unacknowledged);
        EXPECT_EQ(audited("incidents.photo")["1"], static_cast<int>(stored_photos.size()))
            << "stored photos and their audit rows differ";

        // Each stored write (acknowledged ones included) has exactly one audit
        // row, and each audit row of a write names a stored one: they commit together.
        const std::map<std::string, int> incident_audits = audited("incidents.report");
        const std::map<std::string, int> visit_audits = audited("visits.record");
        for (const auto& [id, text] : stored_incidents) {
            const auto found = incident_audits.find(std::to_string(id));
            EXPECT_TRUE(found != incident_audits.end() && found->second == 1)
                << "stored incident " << id << " has no single audit row";
        }
        for (const auto& [id, text] : stored_visits) {
            if (!text.starts_with(stream_prefix)) continue;  // the sample's own visits
            const auto found = visit_audits.find(std::to_string(id));
            EXPECT_TRUE(found != visit_audits.end() && found->second == 1)
                << "stored visit " << id << " has no single audit row";
        }
        for (const auto& [id, count] : incident_audits) {
            EXPECT_TRUE(stored_incidents.contains(std::stoll(id))) << "audit row of incident " << id << ", not stored";
        }
        for (const auto& [id, count] : visit_audits) {
            EXPECT_TRUE(stored_visits.contains(std::stoll(id))) << "audit row of visit " << id << ", not stored";
        }
    }

    /// How often each record id appears in the audit log's entries of `action`.
    [[nodiscard]] std::map<std::string, int> audited(const std::string& action) const {
        const auth::GeoPackageAuthStore log(store_path_);
        std::map<std::string, int> ids;
        for (std::size_t offset = 0;; offset += auth::max_audit_page) {
            const auth::AuditPage page =
                log.query_audit({.action = action, .limit = auth::max_audit_page, .offset = offset});
            for (const auth::AuditEntry& entry : page.entries) {
                for (const std::string& id : entry.record_ids) ++ids[id];
            }
            if (page.entries.size() < auth::max_audit_page) return ids;
        }
    }

    static constexpr int writer_threads = 3;
    TempDir dir_;
    std::filesystem::path store_path_ = dir_.path() / "community.gpkg";
    mutable std::size_t stored_incident_count_ = 0;
    std::size_t kills_ = 0;
};

TEST_F(DurabilityTest, EveryAcknowledgedWriteSurvivesSigkill) {
    Acknowledged acknowledged;
    std::mt19937 random(8);  // deterministic kill points
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE("kill point " + std::to_string(round));
        std::optional<ServeProcess> server(serve());
        const unsigned short port = server->port();
        // The store the new server loaded is the one we checked: nothing acknowledged went missing in between.
        if (round > 0) {
            EXPECT_EQ(Client(port).get("/health").json()["counts"]["incidents"], stored_incident_count_);
        }
        const std::string token = login(port);

        std::atomic<bool> killed{false};
        std::vector<std::thread> writers;
        const int before = acknowledged.count;
        for (int t = 0; t < writer_threads; ++t) {
            writers.emplace_back(write_stream, port, token, round * writer_threads + t, std::ref(acknowledged),
                                 std::cref(killed));
        }
        // Some writes in, then a random moment mid-stream (the deadline only bounds a hang: a loaded
        // machine with a slow disk syncs slowly).
        const auto start = std::chrono::steady_clock::now();
        while (acknowledged.count < before + 4 && std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(random)));
        killed = true;
        server.reset();  // SIGKILL, then reaped
        ++kills_;
        for (std::thread& writer : writers) writer.join();

        EXPECT_GE(acknowledged.count, before + 4) << "the stream never got going";
        EXPECT_TRUE(acknowledged.failures.empty()) << acknowledged.failures.front();
        check_store(acknowledged);
        // An independent reader: SQLite's own check through GDAL.
        const std::string integrity = run("ogrinfo -ro -q " + store_path_.string() + " -sql 'PRAGMA integrity_check'");
        EXPECT_NE(integrity.find("integrity_check (String) = ok"), std::string::npos) << integrity;
    }

    RecordProperty("acknowledged_writes", acknowledged.count.load());
    // A graceful stop folds the write-ahead log back: one self-contained file for ogrinfo.
    {
        ServeProcess server = serve();
        EXPECT_EQ(Client(server.port()).get("/health").json()["counts"]["incidents"], stored_incident_count_);
        (void)login(server.port());  // a write (the session) in the log
        EXPECT_TRUE(std::filesystem::exists(store_path_.string() + "-wal"));
        server.child().signal(SIGTERM);
        EXPECT_EQ(server.child().wait(), 0);
    }
    EXPECT_FALSE(std::filesystem::exists(store_path_.string() + "-wal"));
    const std::string summary = run("ogrinfo -ro -so " + store_path_.string() + " incidents");
    EXPECT_NE(summary.find("Feature Count: " + std::to_string(stored_incident_count_)), std::string::npos) << summary;
}

// Staffing writes (issue #15) go through the same Writer: a planner's stream
// of leave changes, killed mid-stream, leaves the last acknowledged change
// (or the one after it, stored but unanswered) with its audit row.
TEST_F(DurabilityTest, AcknowledgedStaffChangesSurviveSigkill) {
    Child add({wangge_binary, "user", "add", "--store", store_path_.string(), "--name", "planner", "--role", "planner",
               "--password-stdin"},
              std::string(password) + "\n");
    ASSERT_EQ(add.wait(), 0);
    std::optional<ServeProcess> server(serve());
    const unsigned short port = server->port();
    const Reply signed_in = Client(port).request(Method::post, "/auth/login", {{"Content-Type", "application/json"}},
                                                 json{{"username", "planner"}, {"password", password}}.dump());
    ASSERT_EQ(signed_in.status, 200U) << signed_in.body;
    const Headers headers{{"Content-Type", "application/json"},
                          {"Authorization", "Bearer " + signed_in.json().at("token").get<std::string>()}};
    // Leave from day n of 2027: the n-th change.
    const auto day = [](int n) { return model::format_iso8601(model::days_from_civil(2027, 1, 1) * 86400 + n * 86400 - 8 * 3600).substr(0, 10); };
    std::atomic<int> acknowledged{-1};
    std::atomic<bool> killed{false};
    std::thread writer([&] {
        try {
            Client client(port);
            for (int n = 0; n < 300; ++n) {
                const Reply reply = client.request(Method::put, "/staff/2/leave", headers, json{{"from", day(n)}}.dump());
                if (reply.status != 200 && !killed) ADD_FAILURE() << reply.status << " " << reply.body;
                if (reply.status == 200) acknowledged = n;
            }
        } catch (const std::exception&) {
            // The server died mid-request: that change is unacknowledged.
        }
    });
    const auto start = std::chrono::steady_clock::now();
    while (acknowledged < 4 && std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::mt19937(15)() % 200));
    killed = true;
    server.reset();  // SIGKILL, then reaped
    writer.join();

    ASSERT_GE(acknowledged.load(), 4) << "the stream never got going";
    const model::Dataset data = store::GeoPackageStore::open(store_path_).load();
    const auto staff = std::find_if(data.staff.begin(), data.staff.end(), [](const model::Staff& s) { return s.id == 2; });
    ASSERT_NE(staff, data.staff.end());
    ASSERT_TRUE(staff->leave_from.has_value());
    const std::string stored = model::format_iso8601(*staff->leave_from).substr(0, 10);
    EXPECT_TRUE(stored == day(acknowledged) || stored == day(acknowledged + 1)) << stored;
    // One audit row per stored change.
    const int audits = audited("staff.leave")["2"];
    EXPECT_EQ(audits, stored == day(acknowledged) ? acknowledged + 1 : acknowledged + 2);
}

// Household upkeep (issue #15): a worker's stream of new households, killed
// mid-stream: every acknowledged one is stored with its version and its audit
// row, and at most one more (stored but unanswered).
TEST_F(DurabilityTest, AcknowledgedHouseholdsSurviveSigkillWithTheirVersions) {
    std::optional<ServeProcess> server(serve());
    const unsigned short port = server->port();
    const Headers headers{{"Content-Type", "application/json"}, {"Authorization", "Bearer " + login(port)}};
    std::mutex mutex;
    std::map<std::int64_t, std::string> acknowledged;  // household id → room
    std::atomic<bool> killed{false};
    std::thread writer([&] {
        try {
            Client client(port);
            for (int n = 0; n < 300; ++n) {
                const json body{{"lon", 116.401 + 0.0001 * (n % 50)}, {"lat", 39.906}, {"compound", "迁入小区"},
                                {"room", std::to_string(n)}, {"members", 2}, {"moved_in", "2026-12-01"}};
                const Reply reply = client.request(Method::post, "/households", headers, body.dump());
                if (reply.status != 201 && !killed) ADD_FAILURE() << reply.status << " " << reply.body;
                if (reply.status == 201) {
                    const std::lock_guard lock(mutex);
                    acknowledged[reply.json().at("id").get<std::int64_t>()] = std::to_string(n);
                }
            }
        } catch (const std::exception&) {
            // The server died mid-request: that household is unacknowledged.
        }
    });
    const auto start = std::chrono::steady_clock::now();
    const auto count = [&] {
        const std::lock_guard lock(mutex);
        return acknowledged.size();
    };
    while (count() < 5 && std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::mt19937(16)() % 200));
    killed = true;
    server.reset();  // SIGKILL, then reaped
    writer.join();

    ASSERT_GE(acknowledged.size(), 5U) << "the stream never got going";
    std::map<std::int64_t, std::string> stored;
    for (const model::Household& household : store::GeoPackageStore::open(store_path_).load().households) {
        if (household.compound == "迁入小区") stored[household.id] = household.room;
    }
    for (const auto& [id, room] : acknowledged) {
        const auto found = stored.find(id);
        EXPECT_TRUE(found != stored.end() && found->second == room) << "household " << id;
    }
    EXPECT_LE(stored.size(), acknowledged.size() + 1);
    const std::map<std::string, int> audits = audited("households.add");
    for (const auto& [id, room] : stored) {
        EXPECT_EQ(store::household_history(store_path_, id).size(), 1U) << "household " << id;
        EXPECT_EQ(audits.count(std::to_string(id)), 1U) << "household " << id;
    }
}

// 吹哨报到 (issue #15): each acknowledged step of a department dispatch — the
// dispatch, the department's 报到, a department added by the admin — is
// in the store after SIGKILL, with its audit row.
TEST_F(DurabilityTest, DepartmentStepsSurviveSigkill) {
    const auto add = [&](std::vector<std::string> args) {
        std::vector<std::string> command{wangge_binary, "user", "add", "--store", store_path_.string(), "--password-stdin"};
        command.insert(command.end(), args.begin(), args.end());
        Child child(command, std::string(password) + "\n");
        EXPECT_EQ(child.wait(), 0);
    };
    add({"--name", "chief", "--role", "supervisor", "--grids", "110105001001"});
    add({"--name", "desk", "--role", "department", "--grids", "wuye"});
    add({"--name", "root", "--role", "admin"});
    const auto session = [](unsigned short port, const char* name) {
        const Reply reply = Client(port).request(Method::post, "/auth/login", {{"Content-Type", "application/json"}},
                                                 json{{"username", name}, {"password", password}}.dump());
        EXPECT_EQ(reply.status, 200U) << reply.body;
        return Headers{{"Content-Type", "application/json"},
                       {"Authorization", "Bearer " + reply.json().at("token").get<std::string>()}};
    };
    std::int64_t id = 0;
    {
        std::optional<ServeProcess> server(serve());
        const unsigned short port = server->port();
        Client client(port);
        const Headers li = session(port, "li");
        const Headers chief = session(port, "chief");
        const Headers desk = session(port, "desk");
        const Reply reported = client.request(Method::post, "/incidents", li,
                                              json{{"category", "违法建设"}, {"triage", "general"}, {"source", "网格员巡查"},
                                                   {"description", "楼道堆物"}, {"lon", 116.401}, {"lat", 39.905}}.dump());
        ASSERT_EQ(reported.status, 201U) << reported.body;
        id = reported.json().at("id").get<std::int64_t>();
        const std::string transitions = "/incidents/" + std::to_string(id) + "/transitions";
        ASSERT_EQ(client.request(Method::post, transitions, chief, json{{"action", "file"}}.dump()).status, 200U);
        ASSERT_EQ(client.request(Method::post, transitions, chief,
                                 json{{"action", "dispatch_department"}, {"department", "wuye"}, {"reason", "物业责任"}}.dump())
                      .status,
                  200U);
        ASSERT_EQ(client.request(Method::post, transitions, desk, json{{"action", "acknowledge"}}.dump()).status, 200U);
        const Reply added = client.request(
            Method::post, "/departments", session(port, "root"),
            json{{"code", "shuiwu"}, {"name", "水务"}, {"deadline_hours", {{"general", 48}, {"coordination", 96}, {"urgent", 2}}}}
                .dump());
        ASSERT_EQ(added.status, 201U) << added.body;
        server.reset();  // SIGKILL right after the last answer
    }
    const model::Dataset data = store::GeoPackageStore::open(store_path_).load();
    std::vector<std::string> states;
    for (const model::IncidentEvent& event : data.incident_events) {
        if (event.incident_id == id) states.push_back(event.to_state);
    }
    EXPECT_EQ(states, (std::vector<std::string>{"reported", "filed", "dispatched", "in_progress"}));
    const std::map<std::string, int> transitions = audited("incidents.transition");
    EXPECT_EQ(transitions.at(std::to_string(id)), 3);
    EXPECT_EQ(audited("departments.put").at("shuiwu"), 1);

    ServeProcess server = serve();
    const Reply page = Client(server.port()).request(Method::get, "/incidents/" + std::to_string(id),
                                                     session(server.port(), "desk"));
    ASSERT_EQ(page.status, 200U) << page.body;
    EXPECT_EQ(page.json().at("state"), "in_progress");
    EXPECT_FALSE(page.json().at("departments").at(0).at("acknowledged_at").is_null());
    const Reply departments = Client(server.port()).request(Method::get, "/departments", session(server.port(), "chief"));
    EXPECT_NE(departments.body.find("水务"), std::string::npos);
}

// Issue #8 item 3 at the server: a 1e6-vertex polygon at ordinary precision
// (25 MB) is refused by the body limit from its Content-Length, before the
// body is read or any JSON is built.
TEST_F(DurabilityTest, MillionVertexPolygonIsRefusedWith413) {
    constexpr std::size_t vertex_bytes = std::string_view("[116.4050000,39.9050000],").size();
    constexpr std::size_t body_bytes = 1'000'000 * vertex_bytes + 64;
    const ServeProcess server = serve();
    const std::string token = login(server.port());
    for (const std::string target : {"/validate", "/drafts/x/grids/110105001001001"}) {
        const std::vector<Reply> replies = Client(server.port()).raw(
            "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body_bytes) +
                "\r\n\r\n{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
            1);
        ASSERT_EQ(replies.size(), 1U) << target;
        EXPECT_EQ(replies[0].status, 413U) << target << ": " << replies[0].body;
    }
}

}  // namespace
}  // namespace wangge::http::test
