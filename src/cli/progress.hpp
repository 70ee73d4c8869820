#pragma once
// Progress of long commands on stderr, shown only when stderr is a terminal
// (scripts and logs get no carriage-return noise).

#include "wangge/store/store.hpp"

namespace wangge::cli {

/// A callback that redraws "[####....] 40% layer: done/total" in place; empty when stderr is no terminal.
[[nodiscard]] store::Progress terminal_progress();

}  // namespace wangge::cli
