#pragma once
// The 15-minute living circles over HTTP (issue #16 item 3, service/circles.hpp):
//
//   GET /service-circles/kinds                          the service kinds, their facility kinds and distances
//   GET /service-circles?kind=&area=                    households covered per street, community and grid
//   GET /service-circles/uncovered.geojson?kind=&area=  the uncovered part of each grid, for the map
//
// `kind` is a kind's id (health…) or Chinese name (卫生服务站…); `area`, a
// grid code of any level, narrows the answer to it and below (default: all
// the caller may see). Shares are statistics (auth::Action::read_statistics):
// a scoped role sees the units of its scope, and an area outside it is
// refused (403 out_of_scope). The answers carry counts and areas, never a
// household's identity, so they hold no personal data and are not audited.
// Each answer says how distances were walked: "method" is "network" (along
// the basemap's streets) or "straight"; the kinds add its Chinese name
// (沿街道步行 or 直线距离) and the snap distance for the map's legend.
//
// Cost: a kind's coverage is computed once per snapshot version, on the first
// request that needs it (seconds for a 1M-household city, on the worker
// pool), and carried into the next version incrementally when a write only
// touched facilities (ServiceCircles).
//
// Thread safety: ServiceCircles may be read from any thread (the first
// reader of a kind computes it, later ones wait for it).

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "wangge/http/auth_handlers.hpp"
#include "wangge/http/router.hpp"
#include "wangge/http/state.hpp"
#include "wangge/service/circles.hpp"
#include "wangge/service/config.hpp"
#include "wangge/service/network.hpp"

namespace wangge::http {

/// The coverage of each service kind of one snapshot, computed on first use.
class ServiceCircles {
public:
    /// `network`: the streets walked (null: straight lines). `bases`: per
    /// kind (config order), an earlier snapshot's coverage to start from, or null.
    ServiceCircles(std::shared_ptr<const service::CirclesConfig> config,
                   std::shared_ptr<const service::StreetNetwork> network,
                   std::vector<std::shared_ptr<const service::Coverage>> bases);

    [[nodiscard]] const service::CirclesConfig& config() const noexcept { return *config_; }
    [[nodiscard]] const std::shared_ptr<const service::CirclesConfig>& config_ptr() const noexcept { return config_; }
    /// The coverage of kind `index` (config order) in `snapshot`, the
    /// snapshot these were derived for; computed on the first call.
    [[nodiscard]] std::shared_ptr<const service::Coverage> of(std::size_t index, const model::Snapshot& snapshot) const;
    /// What the next version may start from: the coverage if computed, else this one's base.
    [[nodiscard]] std::shared_ptr<const service::Coverage> latest(std::size_t index) const;

private:
    struct Slot {
        std::mutex computing;
        std::atomic<std::shared_ptr<const service::Coverage>> computed;
        std::shared_ptr<const service::Coverage> base;
    };
    std::shared_ptr<const service::CirclesConfig> config_;
    std::shared_ptr<const service::StreetNetwork> network_;
    std::vector<std::unique_ptr<Slot>> slots_;
};

/// Registers ServiceCircles with `state` (before the first publish) and adds
/// the routes above; distances are walked along `network` (service::walking_network), straight without one.
void add_service_circle_routes(Router& router, State& state, const AuthGate& gate,
                               const service::CirclesConfig& config,
                               std::shared_ptr<const service::StreetNetwork> network = nullptr);

/// The coverage of every kind in `view` (config order), computing those not yet computed.
[[nodiscard]] std::vector<std::shared_ptr<const service::Coverage>> all_service_circles(const View& view);

}  // namespace wangge::http
