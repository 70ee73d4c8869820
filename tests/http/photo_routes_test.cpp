// Case photos over HTTP (photo_routes.hpp) on the real server and store:
// before/after photos along a case's life, what is refused (and that nothing
// is stored then), who may read them, the audit log, and the store file.

#include "wangge/http/photo_routes.hpp"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/images.hpp"
#include "wangge/store/photos.hpp"
#include "workflow_fixture.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

class PhotoRoutesTest : public test::WorkflowFixture {
protected:
    std::int64_t report_case(const std::string& token) {
        const test::Reply reply = report_west(token, "general", "楼道堆放杂物");
        EXPECT_EQ(reply.status, 201U) << reply.body;
        return reply.json().at("id").get<std::int64_t>();
    }

    test::Reply upload(std::int64_t id, const std::string& stage, const std::string& token, const std::string& bytes,
                       const std::string& type = "image/jpeg") {
        test::Headers headers{{"Content-Type", type}};
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        return test::Client(port_).request(
            Method::post, "/incidents/" + std::to_string(id) + "/photos?stage=" + stage, headers, bytes);
    }

    std::size_t stored_photos(std::int64_t id) { return store::list_photos(server_.store_path(), id).size(); }
};

TEST_F(PhotoRoutesTest, BeforeAndAfterPhotosFollowTheCase) {
    const std::string worker = token_of("li");
    const std::string supervisor = token_of("chief");
    const std::int64_t id = report_case(worker);
    const std::string jpeg = test::jpeg_bytes(64, 48, geo::Point{116.405, 39.905});

    const test::Reply before = upload(id, "report", worker, jpeg);
    ASSERT_EQ(before.status, 201U) << before.body;
    const json photo = before.json();
    EXPECT_EQ(photo.at("stage"), "report");
    EXPECT_EQ(photo.at("stage_zh"), "处置前");
    EXPECT_EQ(photo.at("uploader"), "li");
    EXPECT_EQ(photo.at("content_type"), "image/jpeg");
    EXPECT_EQ(photo.at("width"), 64);
    EXPECT_EQ(photo.at("size"), jpeg.size());
    EXPECT_NEAR(photo.at("location").at("lon").get<double>(), 116.405, 1e-5);
    EXPECT_NEAR(photo.at("location").at("lat").get<double>(), 39.905, 1e-5);
    EXPECT_EQ(before.header("Location"), photo.at("url").get<std::string>());

    // An after-photo before the case is handled: 409, nothing stored.
    const test::Reply early = upload(id, "result", worker, jpeg);
    EXPECT_EQ(early.status, 409U) << early.body;
    EXPECT_EQ(stored_photos(id), 1U);

    for (const auto& [action, token] : {std::pair{"file", supervisor}, {"dispatch", supervisor}, {"accept", worker}}) {
        ASSERT_EQ(transition(id, token, {{"action", action}}).status, 200U) << action;
    }
    const std::string png = test::png_bytes(20, 10);
    const test::Reply after = upload(id, "result", worker, png, "image/png");
    ASSERT_EQ(after.status, 201U) << after.body;
    EXPECT_EQ(after.json().at("stage_zh"), "处置后");
    EXPECT_TRUE(after.json().at("location").is_null());
    ASSERT_EQ(transition(id, worker, {{"action", "resolve"}}).status, 200U);
    // Before-photos end with the result.
    EXPECT_EQ(upload(id, "report", worker, jpeg).status, 409U);

    const test::Reply list = call(Method::get, "/incidents/" + std::to_string(id) + "/photos", supervisor);
    ASSERT_EQ(list.status, 200U) << list.body;
    ASSERT_EQ(list.json().at("photos").size(), 2U);
    EXPECT_EQ(list.json()["photos"][0]["stage"], "report");
    EXPECT_EQ(list.json()["photos"][1]["stage"], "result");

    const test::Reply bytes = call(Method::get, after.json().at("url").get<std::string>(), supervisor);
    ASSERT_EQ(bytes.status, 200U);
    EXPECT_EQ(bytes.header("Content-Type"), "image/png");
    EXPECT_EQ(bytes.body, png);
    EXPECT_EQ(call(Method::get, "/incidents/" + std::to_string(id) + "/photos/999999", supervisor).status, 404U);

    // Each stored photo has its audit row (committed with it); so do the bytes served.
    EXPECT_EQ(audit_of("incidents.photo").total, 2U + 2U);  // two stored, two refused (409)
    EXPECT_GE(audit_of("photos.read").total, 1U);
}

TEST_F(PhotoRoutesTest, BadPhotosAreRefusedAndNothingIsStored) {
    const std::string worker = token_of("li");
    const std::int64_t id = report_case(worker);
    const std::string jpeg = test::jpeg_bytes(64, 48);

    const test::Reply wrong_type = upload(id, "report", worker, "GIF89a not a photo", "image/gif");
    EXPECT_EQ(wrong_type.status, 415U) << wrong_type.body;
    EXPECT_EQ(wrong_type.json()["error"]["code"], "photo_type");
    EXPECT_FALSE(wrong_type.json()["error"]["message_zh"].get<std::string>().empty());

    const test::Reply cut = upload(id, "report", worker, jpeg.substr(0, jpeg.size() / 2));
    EXPECT_EQ(cut.status, 422U) << cut.body;
    EXPECT_EQ(cut.json()["error"]["code"], "photo_unreadable");

    // Named a JPEG, is a PNG: the content decides, the stored type is the real one.
    EXPECT_EQ(upload(id, "report", worker, std::string(6 * 1024 * 1024, '\xFF')).status, 413U);
    EXPECT_EQ(upload(id, "later", worker, jpeg).status, 400U);
    EXPECT_EQ(upload(id, "report", worker, "").status, 400U);
    EXPECT_EQ(upload(999999, "report", worker, jpeg).status, 404U);
    // A form post (what a foreign page can send unasked) is refused before the handler.
    EXPECT_EQ(upload(id, "report", worker, jpeg, "multipart/form-data; boundary=x").status, 415U);
    EXPECT_EQ(stored_photos(id), 0U);
    EXPECT_GE(audit_of("incidents.photo").total, 4U);
    for (const auth::AuditEntry& entry : audit_of("incidents.photo").entries) {
        EXPECT_EQ(entry.outcome, auth::Outcome::denied) << entry.detail;
    }
}

TEST_F(PhotoRoutesTest, OnlyTheCaseScopeMayAddAndOnlySignedInStaffMayRead) {
    const std::string worker = token_of("li");
    const std::string other_worker = token_of("wang");  // another grid
    const std::int64_t id = report_case(worker);
    const std::string jpeg = test::jpeg_bytes(16, 16);

    const test::Reply outside = upload(id, "report", other_worker, jpeg);
    EXPECT_EQ(outside.status, 403U) << outside.body;
    EXPECT_EQ(outside.json()["error"]["code"], "out_of_scope");
    EXPECT_EQ(upload(id, "report", "", jpeg).status, 401U);
    EXPECT_EQ(stored_photos(id), 0U);
    EXPECT_GE(audit_of("http.denied").total, 1U);  // the refused write, by the router's hook

    const test::Reply stored = upload(id, "report", worker, jpeg);
    ASSERT_EQ(stored.status, 201U) << stored.body;
    const std::string url = stored.json().at("url");
    EXPECT_EQ(call(Method::get, url, "").status, 401U);
    EXPECT_EQ(call(Method::get, "/incidents/" + std::to_string(id) + "/photos", "").status, 401U);
    const auth::AuditPage reads = audit_of("photos.read");
    ASSERT_GE(reads.total, 2U);
    EXPECT_EQ(reads.entries.front().outcome, auth::Outcome::denied);
    // Reading incidents is not scoped (GET /incidents/{id}): another grid's worker sees the photo.
    EXPECT_EQ(call(Method::get, url, other_worker).status, 200U);
}

TEST_F(PhotoRoutesTest, PhotosSurviveARestart) {
    const std::string worker = token_of("li");
    const std::int64_t id = report_case(worker);
    const std::string jpeg = test::jpeg_bytes(32, 24, geo::Point{116.4, 39.9});
    ASSERT_EQ(upload(id, "report", worker, jpeg).status, 201U);
    (void)stored_data();  // stops the server and closes the app
    const std::optional<store::Photo> photo = store::read_photo(server_.store_path(), id, 1);
    ASSERT_TRUE(photo.has_value());
    EXPECT_EQ(photo->bytes, jpeg);
    EXPECT_EQ(photo->info.uploader, "li");
    ASSERT_TRUE(photo->info.location.has_value());
    EXPECT_NEAR(photo->info.location->y, 39.9, 1e-5);
}

}  // namespace
}  // namespace wangge::http
