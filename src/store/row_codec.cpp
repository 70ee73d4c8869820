// WKB decoding shared by the stores' reads (row_codec.hpp).

#include "row_codec.hpp"

#include <bit>
#include <cstring>

namespace wangge::store::detail {

std::optional<geo::Point> plain_wkb_point(std::span<const unsigned char> wkb) noexcept {
    constexpr std::size_t point_bytes = 1 + 4 + 16;
    if constexpr (std::endian::native != std::endian::little) return std::nullopt;
    if (wkb.size() != point_bytes || wkb[0] != 1) return std::nullopt;
    std::uint32_t type = 0;
    std::memcpy(&type, wkb.data() + 1, sizeof type);
    if (type != 1) return std::nullopt;  // 2D Point only; Z, M and the rest go through OGR
    geo::Point p;
    std::memcpy(&p.x, wkb.data() + 5, sizeof p.x);
    std::memcpy(&p.y, wkb.data() + 13, sizeof p.y);
    return p;
}

std::unique_ptr<OGRGeometry> geometry_from_wkb(std::span<const unsigned char> wkb) {
    OGRGeometry* geometry = nullptr;
    if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &geometry, wkb.size()) != OGRERR_NONE) {
        delete geometry;
        return nullptr;
    }
    return std::unique_ptr<OGRGeometry>(geometry);
}

}  // namespace wangge::store::detail
