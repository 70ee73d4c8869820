#pragma once
// The offsets of Chinese web maps: GCJ-02 (国测局, used by AMap/Tencent) and
// BD-09 (Baidu), to and from WGS84. CGCS2000 (EPSG:4490) is treated as equal
// to WGS84 at the scale of a district (DESIGN §1).
//
// The forward transforms are the published obfuscation formulas; the inverses
// iterate the forward transform until it lands within 1e-9 degrees (about
// 0.1 mm) of the input, which the closed-form "approximate" inverses found on
// the web do not (they are off by metres).
//
// Thread safety: pure functions.

#include "wangge/geo/types.hpp"

namespace wangge::geo {

/// True outside the rough bounding box of mainland China, where GCJ-02 applies no offset.
[[nodiscard]] bool outside_china(const Point& lonlat) noexcept;

[[nodiscard]] Point wgs84_to_gcj02(const Point& lonlat) noexcept;
[[nodiscard]] Point gcj02_to_wgs84(const Point& lonlat) noexcept;

[[nodiscard]] Point gcj02_to_bd09(const Point& lonlat) noexcept;
[[nodiscard]] Point bd09_to_gcj02(const Point& lonlat) noexcept;

[[nodiscard]] Point wgs84_to_bd09(const Point& lonlat) noexcept;
[[nodiscard]] Point bd09_to_wgs84(const Point& lonlat) noexcept;

}  // namespace wangge::geo
