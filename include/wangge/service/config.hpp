#pragma once
// The service kinds of the 15-minute living circles (15分钟生活服务圈, issue
// #16): which facility kinds serve each, and the walking distance within
// which a household counts as served.
//
// The defaults follow GB 50180-2018 (城市居住区规划设计标准): services of the
// 15-minute circle within 1000 m (卫生服务站, 党群服务中心, 学校, 文体); daily
// services of the 5–10-minute circles within 500 m (养老驿站, 菜市场); and
// GB 21734-2008's 500 m radius of an emergency shelter (避难场所). They live in
// the rules config file (`--rules-config FILE`, rules_config.hpp) under the key
// "service_circles", so the CLI, the server and the map share one set:
//
//     {"households_max": 300,
//      "service_circles": {"health": {"distance_m": 800},
//                          "market": {"facility_kinds": ["菜市场", "超市"]}}}
//
// Each entry overrides any subset of one kind's fields (distance_m,
// facility_kinds); kinds are fixed (id, name), unknown ids are refused.
// Two more keys choose how distances are walked (network.hpp):
//
//     "service_circles": {"method": "network", "snap_distance_m": 300, …}
//
// "method" is "network" (along the basemap's streets) or "straight"; without
// it the streets are walked where the server (or `wangge report --basemap`)
// has a vector basemap with streets, straight lines otherwise. Households
// and facilities farther than snap_distance_m (default 300 m) from every
// street keep the straight line.
//
// Thread safety: plain values and reentrant functions.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace wangge::service {

/// One service kind of the circles.
struct ServiceKind {
    std::string id;       ///< the API's name: health, elderly, party, market, school, culture, shelter
    std::string name;     ///< 卫生服务站, 养老服务…: what the map and the workbook show
    std::vector<std::string> facility_kinds;  ///< Facility::kind values that provide it
    double distance_m = 1000.0;               ///< straight-line walking reach

    [[nodiscard]] bool provided_by(std::string_view facility_kind) const noexcept;
    friend bool operator==(const ServiceKind&, const ServiceKind&) = default;
};

/// How distances are walked: along the streets, or in straight lines.
enum class Method { straight, network };

/// "straight" or "network": the API's name.
[[nodiscard]] const char* method_id(Method method) noexcept;
/// 直线距离 or 沿街道步行: what the map and the workbook show.
[[nodiscard]] const char* method_name(Method method) noexcept;

/// The key of the service kinds in the rules config file.
inline constexpr const char* config_key = "service_circles";

struct CirclesConfig {
    std::vector<ServiceKind> kinds = default_kinds();
    /// nullopt: along the streets where there are streets, else straight.
    std::optional<Method> method;
    /// How far from every street a household or facility keeps the straight line.
    double snap_distance_m = 300.0;

    /// The seven kinds of issue #16 with the distances above.
    [[nodiscard]] static std::vector<ServiceKind> default_kinds();
    /// The kind with that id or Chinese name; null when there is none.
    [[nodiscard]] const ServiceKind* find(std::string_view id_or_name) const noexcept;
    friend bool operator==(const CirclesConfig&, const CirclesConfig&) = default;
};

/// {"kinds": [{"id","name","facility_kinds","distance_m"}…]}: GET /service-circles/kinds
/// (which adds the method in force).
[[nodiscard]] nlohmann::json to_json(const CirclesConfig& config);

/// Applies the "service_circles" object of a rules config (any subset of
/// kinds and fields, method, snap_distance_m) to `config`. Throws InputError
/// naming the kind or field for an unknown kind or field, a wrong type, a
/// distance outside (0, 10000] m, a method other than "network" or
/// "straight", or a snap distance outside (0, 2000] m.
void apply_config(const nlohmann::json& service_circles, CirclesConfig& config);

/// The defaults with the "service_circles" object of the rules config file
/// at `path` applied (the defaults when it has none). Throws InputError when
/// the file cannot be read, is not a JSON object, or apply_config() refuses it.
[[nodiscard]] CirclesConfig load_config_file(const std::filesystem::path& path);

}  // namespace wangge::service
