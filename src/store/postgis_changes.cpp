// Gathering and appending a transaction's changes (postgis_changes.hpp).

#include "postgis_changes.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "postgis_rows.hpp"

namespace wangge::store::detail {

namespace {

/// [w, s, e, n] as a double precision[] literal, each number in its shortest exact form.
std::string bounds_array(const geo::Box& box) {
    std::string text = "{";
    for (const double value : {box.min_x, box.min_y, box.max_x, box.max_y}) {
        std::array<char, 32> digits{};
        const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
        if (text.size() > 1) text += ',';
        text.append(digits.data(), end);
    }
    return text + "}";
}

}  // namespace

void ChangeLog::add(Layer layer, std::span<const std::int64_t> ids) {
    auto [entry, added] = layers_.try_emplace(layer, Listed{std::vector<std::int64_t>{}, {}});
    std::optional<std::vector<std::int64_t>>& listed = entry->second.ids;
    if (!listed) return;  // already the whole layer
    listed->insert(listed->end(), ids.begin(), ids.end());
    if (listed->size() > max_ids) listed.reset();
}

void ChangeLog::add_layer(Layer layer) { layers_[layer].ids.reset(); }

void ChangeLog::cover(Layer layer, const geo::Box& box) {
    auto [entry, added] = layers_.try_emplace(layer, Listed{std::vector<std::int64_t>{}, {}});
    entry->second.bounds.expand(box);
}

void ChangeLog::merge(ChangeLog& other) {
    for (auto& [layer, listed] : other.layers_) {
        if (listed.ids) {
            add(layer, *listed.ids);
        } else {
            add_layer(layer);
        }
        cover(layer, listed.bounds);
    }
    other.clear();
}

std::vector<LayerChange> ChangeLog::changes() const {
    std::vector<LayerChange> out;
    for (const auto& [layer, listed] : layers_) {
        LayerChange& change = out.emplace_back(LayerChange{layer, listed.ids, std::nullopt});
        if (!listed.bounds.empty()) change.bounds = listed.bounds;
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
        std::optional<std::string> bounds;
        if (change.bounds) bounds = bounds_array(*change.bounds);
        last = connection
                   .execute("INSERT INTO changes (origin, layer, ids, bounds) "
                            "VALUES ($1, $2, $3::bigint[], $4::double precision[]) RETURNING seq",
                            params_of({origin, std::string(to_string(change.layer)), ids, bounds}))
                   .text_int(0, 0);
    }
    (void)connection.execute("SELECT pg_notify($1, $2)", params_of({change_channel, std::to_string(last)}));
    return last;
}

std::string extent_query(const std::string& from) {
    // ST_Extent reads each geometry's box (exact for points; for polygons the
    // stored box, rounded outward to float: still covering).
    return "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(" +
           quote_identifier(geometry_column) + ") AS e FROM " + from + ") AS x";
}

std::string point_box_columns() {
    const std::string x = "ST_X(" + quote_identifier(geometry_column) + ")";
    const std::string y = "ST_Y(" + quote_identifier(geometry_column) + ")";
    return x + ", " + y + ", " + x + ", " + y;
}

geo::Box result_box(const PgResult& result, int row, int first) {
    geo::Box box;
    if (result.is_null(row, first)) return box;
    box.min_x = result.text_double(row, first);
    box.min_y = result.text_double(row, first + 1);
    box.max_x = result.text_double(row, first + 2);
    box.max_y = result.text_double(row, first + 3);
    return box;
}

geo::Box stored_bounds(PgConnection& connection, Layer layer, std::span<const std::int64_t> ids) {
    const std::string sql =
        extent_query(quote_identifier(std::string(to_string(layer))) + " WHERE id = ANY($1::bigint[])");
    return result_box(connection.execute(sql, params_of({bigint_array(ids)})), 0, 0);
}

}  // namespace wangge::store::detail
