// Gathering and appending a transaction's changes (postgis_changes.hpp).

#include "postgis_changes.hpp"

#include <algorithm>

#include "postgis_rows.hpp"

namespace wangge::store::detail {

void ChangeLog::add(Layer layer, std::span<const std::int64_t> ids) {
    auto [entry, added] = layers_.try_emplace(layer, std::vector<std::int64_t>{});
    std::optional<std::vector<std::int64_t>>& listed = entry->second;
    if (!listed) return;  // already the whole layer
    listed->insert(listed->end(), ids.begin(), ids.end());
    if (listed->size() > max_ids) listed.reset();
}

void ChangeLog::add_layer(Layer layer) { layers_[layer].reset(); }

void ChangeLog::merge(ChangeLog& other) {
    for (auto& [layer, ids] : other.layers_) {
        if (ids) {
            add(layer, *ids);
        } else {
            add_layer(layer);
        }
    }
    other.clear();
}

std::vector<LayerChange> ChangeLog::changes() const {
    std::vector<LayerChange> out;
    for (const auto& [layer, ids] : layers_) {
        LayerChange& change = out.emplace_back(LayerChange{layer, ids});
        if (!change.ids) continue;
        std::sort(change.ids->begin(), change.ids->end());
        change.ids->erase(std::unique(change.ids->begin(), change.ids->end()), change.ids->end());
    }
    return out;
}

std::int64_t ChangeLog::write(PgConnection& connection, const std::string& origin) const {
    if (empty()) return 0;
    (void)connection.execute("SELECT pg_advisory_xact_lock($1::bigint)", params_of({std::to_string(change_lock_key)}));
    std::int64_t last = 0;
    for (const LayerChange& change : changes()) {
        std::optional<std::string> ids;
        if (change.ids) ids = bigint_array(*change.ids);
        last = connection
                   .execute("INSERT INTO changes (origin, layer, ids) VALUES ($1, $2, $3::bigint[]) RETURNING seq",
                            params_of({origin, std::string(to_string(change.layer)), ids}))
                   .text_int(0, 0);
    }
    (void)connection.execute("SELECT pg_notify($1, $2)", params_of({change_channel, std::to_string(last)}));
    return last;
}

}  // namespace wangge::store::detail
