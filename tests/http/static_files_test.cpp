#include "wangge/http/static_files.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "support/test_app.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

TEST(ContentType, ByExtension) {
    EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(content_type_for("maplibre-gl.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("app.mjs"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("a.CSS"), "text/css; charset=utf-8");
    EXPECT_EQ(content_type_for("style.json"), "application/json");
    EXPECT_EQ(content_type_for("icon.png"), "image/png");
    EXPECT_EQ(content_type_for("icon.svg"), "image/svg+xml");
    EXPECT_EQ(content_type_for("0-255.pbf"), "application/x-protobuf");
    EXPECT_EQ(content_type_for("font.woff2"), "font/woff2");
    EXPECT_EQ(content_type_for("data.bin"), "application/octet-stream");
}

TEST(StaticFiles, ServesInsideTheRootOnly) {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "root/sub");
    std::ofstream(dir.path() / "root/index.html") << "home";
    std::ofstream(dir.path() / "root/sub/a.js") << "js";
    std::ofstream(dir.path() / "outside.txt") << "secret";
    std::filesystem::create_symlink(dir.path() / "outside.txt", dir.path() / "root/link.txt");
    std::filesystem::create_symlink(dir.path(), dir.path() / "root/up");
    const StaticFiles files(dir.path() / "root");

    EXPECT_EQ(*files.serve("").file_path(), std::filesystem::canonical(dir.path() / "root/index.html"));
    EXPECT_EQ(files.serve("sub/a.js").header("Content-Type"), "text/javascript; charset=utf-8");
    for (const char* bad : {"link.txt", "up/outside.txt", "../outside.txt", "sub/../../outside.txt", "sub//a.js",
                            "missing.js", "sub"}) {
        try {
            (void)files.serve(bad);
            ADD_FAILURE() << bad;
        } catch (const ClientError& e) {
            EXPECT_EQ(e.kind(), ErrorKind::not_found) << bad;
        }
    }
    EXPECT_THROW((void)StaticFiles(dir.path() / "nowhere").serve(""), ClientError);
}

TEST(StaticFiles, OverHttp) {
    TestServer server;
    const Reply index = server.get("/map/");
    EXPECT_EQ(index.status, 200u);
    EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(index.body, "<!doctype html><title>网格地图</title>");
    const Reply bare = server.get("/map");
    EXPECT_EQ(bare.status, 301u);
    EXPECT_EQ(bare.header("Location"), "/map/");
    const Reply module = server.get("/map/js/app.mjs?v=3");
    EXPECT_EQ(module.header("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(module.body, "export const map = 1;\n");
    EXPECT_EQ(server.get("/styles/grids.json").header("Content-Type"), "application/json");

    Client client(server.port());
    const Reply head = client.request(Method::head, "/map/app.css");
    EXPECT_EQ(head.status, 200u);
    EXPECT_EQ(head.header("Content-Length"), "14");
    EXPECT_TRUE(head.body.empty());
}

TEST(StaticFiles, TraversalIsRefused) {
    TestServer server;
    for (const char* target : {"/map/../CMakeLists.txt", "/map/%2e%2e/secret.txt", "/map/%2E%2E%2Fsecret.txt",
                               "/map/js/..%5C..%5Csecret.txt", "/styles/../secret.txt"}) {
        const Reply reply = server.get(target);
        EXPECT_EQ(reply.status, 400u) << target;
        EXPECT_EQ(reply.json()["error"]["code"], "bad_path") << target;
    }
    for (const char* target : {"/map/escape.txt", "/map/missing.js", "/styles/none.json"}) {
        const Reply reply = server.get(target);
        EXPECT_EQ(reply.status, 404u) << target;
        EXPECT_EQ(reply.json()["error"]["code"], "not_found") << target;
        EXPECT_EQ(reply.body.find("outside the web root"), std::string::npos);
    }
}

}  // namespace
}  // namespace wangge::http::test
