#pragma once
// The parsers of outside input, each wrapped as "take one input, check the
// properties": shared by the bounded robustness test under ctest and the
// optional libFuzzer targets. An input may be refused with a clear error
// (wangge::InputError, an HTTP 4xx); any other exception escaping, a 5xx, or
// a broken property is a finding.
//
// Thread safety: the targets are used from one thread at a time.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "../support/temp_dir.hpp"
#include "wangge/http/router.hpp"

namespace wangge::fuzz {

/// An input broke a property; what() says which.
class PropertyViolation : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

/// JSON text read as a GeoJSON Polygon/MultiPolygon and as a Point
/// (src/geo/geojson.cpp); an accepted geometry must survive a round trip.
void geojson_input(std::string_view input);

/// A query string through Query::parse and its encode() round trip, and the
/// strict number parsers parse_double and parse_int.
void query_input(std::string_view input);

/// Bytes uploaded as a case photo (workflow/photos.hpp): accepted as a JPEG
/// or PNG with a size and an in-range EXIF place, or refused with a 4xx.
void photo_input(std::string_view input);

/// Bytes of a `serve --basemap` file read as PMTiles (basemap/pmtiles.hpp):
/// opened, its tiles of zooms 0-4 looked up and its directories walked
/// (the first 1000 tiles), or refused with MbtilesError.
class PmtilesTarget {
public:
    void run(std::string_view input) const;

private:
    support::TempDir dir_;
};

/// The router's path matching and the static files of a web-map directory
/// that has a secret file and symbolic links beside and inside it: no path
/// may be answered with a file outside web-map/.
class PathTarget {
public:
    PathTarget();

    void run(std::string_view target) const;

private:
    support::TempDir dir_;
    std::filesystem::path web_ = dir_ / "web-map";
    http::Router router_;
};

/// The JSON bodies of the write routes (POST /incidents, /visits, the draft
/// edits, /validate) in process over a real GeoPackage store with the Writer
/// and signed-in users. Rejected input must leave the store unchanged.
class WriteTarget {
public:
    enum class Route { incident, transition, visit, draft_add, draft_update, draft_split, draft_move_border,
                       draft_snap, draft_move_vertex, draft_check, validate };

    WriteTarget();
    ~WriteTarget();
    WriteTarget(const WriteTarget&) = delete;
    WriteTarget& operator=(const WriteTarget&) = delete;

    /// Sends `body` to `route`; returns the status after checking it is not a 5xx.
    http::Status run(Route route, std::string body);
    /// Reopens the store and checks it holds exactly the writes answered 2xx.
    void check_store() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::fuzz
