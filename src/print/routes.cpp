#include "wangge/print/routes.hpp"

#include <chrono>
#include <memory>
#include <string>

#include "wangge/client_error.hpp"
#include "wangge/print/sheet.hpp"

namespace wangge::print {

namespace {

Paper paper_of(const http::Request& request) {
    request.query().allow_only({"size"});
    const auto text = request.query().get("size");
    if (!text) return Paper::a4;
    const auto paper = parse_paper(*text);
    if (!paper) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter", "parameter 'size' must be A4 or A3",
                          "纸张大小只能是 A4 或 A3");
    }
    return *paper;
}

}  // namespace

void add_print_routes(http::Router& router, const http::State& state, const http::AuthGate& gate,
                      const basemap::BasemapSource& basemap) {
    std::shared_ptr<const basemap::TileArchive> tiles;
    if (!basemap.file.empty()) tiles = basemap::open_tile_archive(basemap.file);
    const auto route = [&router, &state, &gate, tiles](const std::string& pattern, Scope scope, Format format) {
        router.get(
            pattern,
            [&state, &gate, tiles, scope, format](const http::Request& request) {
                gate.permit(request, auth::Action::read_contact_cards);
                PrintOptions options;
                options.paper = paper_of(request);
                options.format = format;
                options.printed_at = std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
                options.public_base_url = request.base_url();
                options.basemap = tiles.get();
                const auto view = state.view();
                const std::string& code = request.param("code");
                http::Response response =
                    http::Response::bytes(print(view->snapshot(), scope, code, options),
                                          format == Format::pdf ? "application/pdf" : "image/png");
                response.set_header("Content-Disposition", std::string("inline; filename=\"") + code +
                                                               (format == Format::pdf ? ".pdf\"" : ".png\""));
                response.set_header("Cache-Control", "no-cache");
                return response;
            },
            http::Execution::worker);  // draws whole pages
    };
    route("/print/grids/{code}.pdf", Scope::grid, Format::pdf);
    route("/print/grids/{code}.png", Scope::grid, Format::png);
    route("/print/communities/{code}.pdf", Scope::community, Format::pdf);
    route("/print/streets/{code}.pdf", Scope::street, Format::pdf);
}

}  // namespace wangge::print
