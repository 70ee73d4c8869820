#include "wangge/service/config.hpp"

#include <algorithm>
#include <fstream>

#include "wangge/error.hpp"

namespace wangge::service {

bool ServiceKind::provided_by(std::string_view facility_kind) const noexcept {
    return std::find(facility_kinds.begin(), facility_kinds.end(), facility_kind) != facility_kinds.end();
}

std::vector<ServiceKind> CirclesConfig::default_kinds() {
    // Facility kinds as the importer and the synthetic city name them; the
    // extra names are those a real facility list commonly uses.
    return {
        {"health", "卫生服务站", {"卫生服务站", "社区卫生服务中心"}, 1000.0},
        {"elderly", "养老服务", {"养老驿站", "日间照料中心", "养老院"}, 500.0},
        {"party", "党群服务中心", {"党群服务中心"}, 1000.0},
        {"market", "菜市场/商业", {"菜市场", "农贸市场", "生鲜超市"}, 500.0},
        {"school", "学校", {"学校", "小学", "中学", "幼儿园"}, 1000.0},
        {"culture", "文体", {"文体活动中心", "文化活动室", "体育场馆", "健身场地", "图书馆"}, 1000.0},
        {"shelter", "避难场所", {"避难场所"}, 500.0},
    };
}

const ServiceKind* CirclesConfig::find(std::string_view id_or_name) const noexcept {
    const auto found = std::find_if(kinds.begin(), kinds.end(), [&](const ServiceKind& kind) {
        return kind.id == id_or_name || kind.name == id_or_name;
    });
    return found == kinds.end() ? nullptr : &*found;
}

const char* method_id(Method method) noexcept { return method == Method::network ? "network" : "straight"; }

const char* method_name(Method method) noexcept { return method == Method::network ? "沿街道步行" : "直线距离"; }

nlohmann::json to_json(const CirclesConfig& config) {
    nlohmann::json kinds = nlohmann::json::array();
    for (const ServiceKind& kind : config.kinds) {
        kinds.push_back({{"id", kind.id},
                         {"name", kind.name},
                         {"facility_kinds", kind.facility_kinds},
                         {"distance_m", kind.distance_m}});
    }
    return {{"kinds", std::move(kinds)}};
}

void apply_config(const nlohmann::json& service_circles, CirclesConfig& config) {
    const std::string where = std::string("rules config '") + config_key + "'";
    if (!service_circles.is_object()) throw InputError(where + " must be an object of service kinds");
    for (const auto& [id, fields] : service_circles.items()) {
        if (id == "method") {
            if (fields == "network") {
                config.method = Method::network;
            } else if (fields == "straight") {
                config.method = Method::straight;
            } else {
                throw InputError(where + " method must be \"network\" or \"straight\"");
            }
            continue;
        }
        if (id == "snap_distance_m") {
            if (!fields.is_number() || !(fields.get<double>() > 0.0) || fields.get<double>() > 2000.0) {
                throw InputError(where + " snap_distance_m must be a number in (0, 2000]");
            }
            config.snap_distance_m = fields.get<double>();
            continue;
        }
        const auto kind = std::find_if(config.kinds.begin(), config.kinds.end(),
                                       [&](const ServiceKind& k) { return k.id == id; });
        if (kind == config.kinds.end()) throw InputError(where + ": unknown service kind '" + id + "'");
        if (!fields.is_object()) throw InputError(where + " '" + id + "' must be an object");
        for (const auto& [field, value] : fields.items()) {
            if (field == "distance_m") {
                if (!value.is_number() || !(value.get<double>() > 0.0) || value.get<double>() > 10000.0) {
                    throw InputError(where + " '" + id + "' distance_m must be a number in (0, 10000]");
                }
                kind->distance_m = value.get<double>();
            } else if (field == "facility_kinds") {
                const bool strings = value.is_array() && std::all_of(value.begin(), value.end(), [](const auto& v) {
                                         return v.is_string() && !v.template get<std::string>().empty();
                                     });
                if (!strings || value.empty()) {
                    throw InputError(where + " '" + id + "' facility_kinds must be a non-empty array of names");
                }
                kind->facility_kinds = value.get<std::vector<std::string>>();
            } else {
                throw InputError(where + " '" + id + "': unknown field '" + field + "'");
            }
        }
    }
}

CirclesConfig load_config_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw InputError("cannot read the rules config " + path.string());
    nlohmann::json file;
    try {
        file = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw InputError("the rules config " + path.string() + " is not JSON: " + e.what());
    }
    if (!file.is_object()) throw InputError("the rules config " + path.string() + " must be a JSON object");
    CirclesConfig config;
    if (file.contains(config_key)) apply_config(file[config_key], config);
    return config;
}

}  // namespace wangge::service
