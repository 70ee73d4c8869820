#pragma once
// The one set of rule thresholds shared by `wangge validate`, `wangge serve`
// (POST /validate, the drafts) and the map (GET /rules): the defaults are
// Options' own; a rules config file (JSON, `--rules-config FILE`) overrides
// any subset of them, and command-line options override the file.
//
// The keys, in the file and in GET /rules: min_width_m, min_area_m2,
// edge_tolerance_m, households_min, households_max, residents_min,
// residents_max, community_households_max.
//
// Thread safety: free functions on values; reentrant.

#include <filesystem>
#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wangge/rules/validator.hpp"

namespace wangge::rules {

/// The thresholds of `options` as one JSON object with the keys above.
[[nodiscard]] nlohmann::json thresholds_json(const Options& options);

/// Sets the thresholds named in `config` (a JSON object, any subset of the
/// keys) on `options`, skipping keys for which `skip(key)` is true. Throws
/// InputError naming the key for an unknown key or a value of the wrong type.
void apply_thresholds(const nlohmann::json& config, Options& options,
                      const std::function<bool(std::string_view key)>& skip = {});

/// apply_thresholds() with the JSON object in `path`; throws InputError when
/// the file cannot be read or is not such an object.
void apply_thresholds_file(const std::filesystem::path& path, Options& options,
                           const std::function<bool(std::string_view key)>& skip = {});

/// Throws InputError naming the key when a threshold is negative or a range is empty.
void check_thresholds(const Options& options);

}  // namespace wangge::rules
