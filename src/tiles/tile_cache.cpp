#include "wangge/tiles/tile_cache.hpp"

#include <utility>

namespace wangge::tiles {
namespace {

std::size_t cost(const SharedTile& tile) noexcept {
    return tile->mvt.size() + tile->gzipped.size() + TileCache::entry_overhead_bytes;
}

}  // namespace

std::size_t TileCache::PositionHash::operator()(const Position& position) const noexcept {
    // z <= max_zoom = 22 and x, y < 2^z: z, x and y fit one 64-bit word without collisions.
    static_assert(max_zoom <= 29);
    const std::uint64_t packed = (static_cast<std::uint64_t>(position.tile.z) << 58u) ^
                                 (std::uint64_t{position.tile.x} << 29u) ^ std::uint64_t{position.tile.y};
    const std::uint64_t mixed = packed * 0x9e3779b97f4a7c15ull ^ static_cast<std::uint64_t>(position.layer);
    return static_cast<std::size_t>(mixed ^ (mixed >> 29u));
}

SharedTile TileCache::find(const TileKey& key) {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find({key.layer, key.tile});
    if (found == entries_.end() || found->second->key.stamp() != key.stamp()) {
        ++stats_.misses;
        return nullptr;
    }
    ++stats_.hits;
    recency_.splice(recency_.begin(), recency_, found->second);
    return found->second->tile;
}

void TileCache::insert(const TileKey& key, SharedTile tile) {
    const std::size_t charge = cost(tile);
    if (charge > budget_bytes_) return;
    // Freed outside the lock: dropping the last reference to large tiles is not free.
    Recency dropped;
    {
        const std::lock_guard lock(mutex_);
        if (const auto found = entries_.find({key.layer, key.tile}); found != entries_.end()) {
            if (found->second->key.stamp() > key.stamp()) return;  // a request still on an older snapshot
            unlink(found->second, dropped);
        }
        while (!recency_.empty() && stats_.bytes + charge > budget_bytes_) {
            unlink(std::prev(recency_.end()), dropped);
            ++stats_.evictions;
        }
        recency_.push_front({key, std::move(tile)});
        entries_.emplace(Position{key.layer, key.tile}, recency_.begin());
        stats_.bytes += charge;
    }
}

SharedTile TileCache::get_or_render(const TileKey& key, const std::function<EncodedTile()>& render) {
    if (budget_bytes_ == 0) {
        {
            const std::lock_guard lock(mutex_);
            ++stats_.renders;
        }
        return std::make_shared<const EncodedTile>(render());
    }
    std::promise<SharedTile> promise;
    std::shared_future<SharedTile> other_render;
    {
        const std::lock_guard lock(mutex_);
        const Position position{key.layer, key.tile};
        if (const auto found = entries_.find(position);
            found != entries_.end() && found->second->key.stamp() == key.stamp()) {
            ++stats_.hits;
            recency_.splice(recency_.begin(), recency_, found->second);
            return found->second->tile;
        }
        ++stats_.misses;
        if (const auto flying = flights_.find(position);
            flying != flights_.end() && flying->second.stamp == key.stamp()) {
            other_render = flying->second.result;
        } else {
            // Replaces a flight of another version as the one to join; its
            // renderer and waiters keep their own future.
            flights_.insert_or_assign(position, Flight{key.stamp(), promise.get_future().share()});
            ++stats_.renders;
        }
    }
    // Waited for outside the lock, which the renderer needs to store its tile;
    // get() rethrows the renderer's exception.
    if (other_render.valid()) return other_render.get();
    const auto land = [this, &key] {
        const std::lock_guard lock(mutex_);
        if (const auto flying = flights_.find({key.layer, key.tile});
            flying != flights_.end() && flying->second.stamp == key.stamp()) {
            flights_.erase(flying);
        }
    };
    SharedTile rendered;
    try {
        rendered = std::make_shared<const EncodedTile>(render());
    } catch (...) {
        promise.set_exception(std::current_exception());
        land();
        throw;
    }
    insert(key, rendered);
    land();
    promise.set_value(rendered);
    return rendered;
}

void TileCache::unlink(Recency::iterator entry, Recency& dropped) {
    stats_.bytes -= cost(entry->tile);
    entries_.erase({entry->key.layer, entry->key.tile});
    dropped.splice(dropped.end(), recency_, entry);
}

TileCache::Stats TileCache::stats() const {
    const std::lock_guard lock(mutex_);
    Stats stats = stats_;
    stats.entries = entries_.size();
    return stats;
}

}  // namespace wangge::tiles
