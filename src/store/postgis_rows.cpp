// Geometry as EWKB and rows as parameters for the PostGIS store (postgis_rows.hpp).

#include "postgis_rows.hpp"

#include <bit>
#include <cstring>

#include "gdal.hpp"

namespace wangge::store::detail {

namespace {

constexpr std::uint32_t ewkb_srid_flag = 0x20000000;

std::string hex(const unsigned char* bytes, std::size_t size) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string text;
    text.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        text += digits[bytes[i] >> 4];
        text += digits[bytes[i] & 0xf];
    }
    return text;
}

/// Little-endian bytes of `value`.
template <class T>
void put(std::vector<unsigned char>& out, T value) {
    static_assert(std::endian::native == std::endian::little, "EWKB is written in the machine's (little-endian) order");
    unsigned char bytes[sizeof value];
    std::memcpy(bytes, &value, sizeof value);
    out.insert(out.end(), bytes, bytes + sizeof value);
}

}  // namespace

std::string ewkb_hex(const geo::Point& point) {
    std::vector<unsigned char> out{1};  // NDR
    put(out, std::uint32_t{1} | ewkb_srid_flag);
    put(out, std::uint32_t{store_srid});
    put(out, point.x);
    put(out, point.y);
    return hex(out.data(), out.size());
}

std::string ewkb_hex(const geo::MultiPolygon& geometry) {
    const std::unique_ptr<OGRMultiPolygon> ogr = to_ogr(geometry);
    std::vector<unsigned char> wkb(ogr->WkbSize());
    if (ogr->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso) != OGRERR_NONE) {
        throw StoreError("cannot encode a multipolygon as WKB");
    }
    // WKB → EWKB: the SRID flag in the type and the SRID after it, top level only.
    std::vector<unsigned char> out{1};
    std::uint32_t type = 0;
    std::memcpy(&type, wkb.data() + 1, sizeof type);
    put(out, type | ewkb_srid_flag);
    put(out, std::uint32_t{store_srid});
    out.insert(out.end(), wkb.begin() + 5, wkb.end());
    return hex(out.data(), out.size());
}

std::string bigint_array(std::span<const std::int64_t> ids) {
    std::string text = "{";
    for (const std::int64_t id : ids) text.append(std::to_string(id)).push_back(',');
    if (text.back() == ',') text.pop_back();
    text.push_back('}');
    return text;
}

std::vector<PgParam> params_of(std::vector<std::optional<std::string>> values, std::optional<std::int64_t> id) {
    std::vector<PgParam> params;
    params.reserve(values.size() + 1);
    for (std::optional<std::string>& value : values) params.push_back({std::move(value)});
    if (id) params.push_back({std::to_string(*id)});
    return params;
}

}  // namespace wangge::store::detail
