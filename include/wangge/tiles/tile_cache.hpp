#pragma once
// A bounded cache of encoded tiles whose bytes do not depend on the caller
// (grids with their labels, facilities, households without tags, incidents
// with their deadline lights of one minute): the same key (layer, tile, tile
// version from change_log.hpp, minute) always renders the same bytes, so a
// repeat request can be answered with the stored ones instead of clipping,
// simplifying and encoding again, and a write elsewhere in the city leaves
// the tile cached.
//
// Only the caller decides what is cacheable: a tile that carries anything
// personal or per-request (household tags, a heat filter, per-caller
// scoping) must never go through here, as the key holds none of it.
//
// A tile is stored as encoded and, when the caller thinks it worth it, also
// gzipped once (EncodedTile), so a hit never compresses again.
//
// Concurrent misses of one key render once (single flight): the first caller
// renders, the others wait for its result instead of rendering the same bytes
// again (a freshly published map asks for the same tiles from every client).
//
// Least recently used tiles go first once the stored bytes exceed the budget.
// One version per tile is kept: a newer version of a tile replaces the older
// one, and a request still rendering an older version does not store it.
//
// Thread safety: every member may be called from any number of threads at
// once (one mutex guards the index; rendering runs outside it). Stored bytes
// are immutable and shared, so an evicted tile stays valid for whoever holds it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "wangge/tiles/tile_index.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {

struct TileKey {
    Layer layer = Layer::grids;
    TileId tile;
    std::uint64_t version = 0;  ///< of the tile (tiles::ChangeLog::tile_version)
    /// The minute (Unix time / 60) incidents' deadline lights were computed
    /// for; 0 for the other layers, whose bytes do not move with the clock.
    std::int64_t minute = 0;
    friend bool operator==(const TileKey&, const TileKey&) = default;

    /// Orders renders of one tile: a later stamp is the fresher tile.
    [[nodiscard]] std::pair<std::uint64_t, std::int64_t> stamp() const noexcept { return {version, minute}; }
};

/// A tile's bytes as sent: MVT, and its gzip (RFC 1952) when worth sending.
struct EncodedTile {
    std::string mvt;
    std::string gzipped;  ///< empty: send `mvt` to every client
};
using SharedTile = std::shared_ptr<const EncodedTile>;

/// Whether render(query) depends on nothing but the layer, the tile, its
/// version and (incidents) the minute of query.now, so that the tile may be
/// cached for everyone allowed to see the layer: grids, facilities, households
/// without tags (what callers who may see no household's tags get), and
/// incidents whose lights were computed at the start of a minute (the caller
/// rounds query.now down, as the tile's ETag does).
[[nodiscard]] inline bool is_cacheable(const TileQuery& query) noexcept {
    switch (query.layer) {
        case Layer::grids:
        case Layer::facilities: return true;
        case Layer::households: return !query.include_tags && !query.show_tags;
        case Layer::incidents: return query.now % 60 == 0;
        case Layer::heat: return false;
    }
    return false;
}

class TileCache {
public:
    static constexpr std::size_t default_budget_bytes = std::size_t{64} << 20;
    /// What an entry costs besides its bytes (key, list and map nodes), so
    /// that many empty tiles also count against the budget.
    static constexpr std::size_t entry_overhead_bytes = 128;

    struct Stats {
        std::size_t entries = 0;
        std::size_t bytes = 0;  ///< tile bytes plus entry overhead
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;
        std::uint64_t evictions = 0;
        std::uint64_t renders = 0;  ///< by get_or_render(); a miss that waited for another's render is none
    };

    /// A budget of 0 disables the cache (nothing is stored).
    explicit TileCache(std::size_t budget_bytes = default_budget_bytes) noexcept : budget_bytes_(budget_bytes) {}

    /// The stored tile, or null.
    [[nodiscard]] SharedTile find(const TileKey& key);
    /// Stores a tile unless it is larger than the budget or older than the stored version of the same tile.
    void insert(const TileKey& key, SharedTile tile);
    /// The stored tile, else render() stored and returned. Concurrent misses
    /// of one key wait for the first one's render (its exception too). With
    /// a budget of 0 every call renders.
    [[nodiscard]] SharedTile get_or_render(const TileKey& key, const std::function<EncodedTile()>& render);

    [[nodiscard]] Stats stats() const;
    [[nodiscard]] std::size_t budget_bytes() const noexcept { return budget_bytes_; }

private:
    /// Layer and tile: the map holds one version per position.
    struct Position {
        Layer layer = Layer::grids;
        TileId tile;
        friend bool operator==(const Position&, const Position&) = default;
    };
    struct PositionHash {
        std::size_t operator()(const Position& position) const noexcept;
    };
    struct Entry {
        TileKey key;
        SharedTile tile;
    };
    using Recency = std::list<Entry>;  // most recently used first

    /// Moves an entry out of the cache into `dropped`; needs mutex_ held.
    void unlink(Recency::iterator entry, Recency& dropped);

    const std::size_t budget_bytes_;
    mutable std::mutex mutex_;
    Recency recency_;
    std::unordered_map<Position, Recency::iterator, PositionHash> entries_;
    /// Renders under way, by key: the version is compared, as in entries_.
    struct Flight {
        std::pair<std::uint64_t, std::int64_t> stamp;
        std::shared_future<SharedTile> result;
    };
    std::unordered_map<Position, Flight, PositionHash> flights_;
    Stats stats_;
};

}  // namespace wangge::tiles
