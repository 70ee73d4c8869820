#include "wangge/http/draft_routes.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wangge/http/body.hpp"
#include "wangge/drafts/draft.hpp"
#include "wangge/drafts/publish.hpp"
#include "wangge/geo/geojson.hpp"
#include "wangge/http/households.hpp"
#include "wangge/rules/grid_source.hpp"
#include "wangge/rules/validator.hpp"

namespace wangge::http {

namespace {

struct Slot {
    explicit Slot(drafts::Draft d) : draft(std::move(d)) {}
    std::mutex mutex;
    drafts::Draft draft;
};

/// The drafts of this server, by id.
class DraftBook {
public:
    explicit DraftBook(std::size_t capacity) : capacity_(capacity) {}

    std::string add(drafts::Draft draft) {
        const std::lock_guard lock(mutex_);
        if (slots_.size() >= capacity_) {
            throw ClientError(ErrorKind::conflict, "too_many_drafts",
                            "too many open drafts (" + std::to_string(capacity_) + "); publish or delete one",
                            "草案数量已达上限（" + std::to_string(capacity_) + " 个），请先发布或删除不用的草案");
        }
        std::string id = new_id();
        slots_.emplace(id, std::make_shared<Slot>(std::move(draft)));
        return id;
    }
    [[nodiscard]] std::shared_ptr<Slot> find(const std::string& id) const {
        const std::lock_guard lock(mutex_);
        const auto it = slots_.find(id);
        if (it == slots_.end()) throw ClientError(ErrorKind::not_found, "not_found", "no draft " + id,
                                                     "草案 " + id + " 不存在或已发布、已删除");
        return it->second;
    }
    void erase(const std::string& id) {
        const std::lock_guard lock(mutex_);
        slots_.erase(id);
    }

    /// The base layout of `snapshot`'s grids, shared with the open drafts of
    /// the same layout version: made once per version, not once per draft.
    std::shared_ptr<const drafts::BaseLayout> base(const model::Snapshot& snapshot) {
        const int version = drafts::layout_version(snapshot.current_grids());
        const std::lock_guard lock(base_mutex_);
        if (std::shared_ptr<const drafts::BaseLayout> cached = base_.lock(); cached && cached->version() == version) {
            return cached;
        }
        std::vector<model::Grid> grids;
        grids.reserve(snapshot.current_grids().size());
        for (const model::Grid* grid : snapshot.current_grids()) grids.push_back(*grid);
        auto made = std::make_shared<const drafts::BaseLayout>(std::move(grids), version);
        base_ = made;
        return made;
    }

private:
    /// 64 random bits: ids of other planners' drafts are not guessable.
    std::string new_id() {
        static constexpr char hex[] = "0123456789abcdef";
        std::uint64_t bits = random_();
        std::string id;
        for (int i = 0; i < 16; ++i, bits >>= 4) id += hex[bits & 0xF];
        return slots_.contains(id) ? new_id() : id;
    }

    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Slot>> slots_;
    std::mt19937_64 random_{std::random_device{}()};
    std::mutex base_mutex_;  // held while a base is made, so concurrent creates make it once
    std::weak_ptr<const drafts::BaseLayout> base_;
};

/// The draft a request names, locked until the end of the handler.
struct LockedDraft {
    explicit LockedDraft(std::shared_ptr<Slot> found) : slot(std::move(found)), lock(slot->mutex) {}
    [[nodiscard]] drafts::Draft& draft() const noexcept { return slot->draft; }
    std::shared_ptr<Slot> slot;
    std::unique_lock<std::mutex> lock;
};

LockedDraft lock_draft(const DraftBook& book, const Request& request) {
    return LockedDraft(book.find(request.param("id")));
}

nlohmann::json parse_body(const Request& request) { return JsonBody(request).take(); }

const nlohmann::json* member(const nlohmann::json& body, const char* name) {
    const auto it = body.find(name);
    return it == body.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const nlohmann::json& body, const char* name) {
    const nlohmann::json* value = member(body, name);
    if (value == nullptr || !value->is_string() || value->get_ref<const std::string&>().empty()) {
        throw JsonBody::invalid(name, std::string("\"") + name + "\" must be a non-empty string", "非空文本");
    }
    return value->get<std::string>();
}

std::string optional_text(const nlohmann::json& body, const char* name) {
    return member(body, name) != nullptr ? text(body, name) : std::string();
}

geo::MultiPolygon geometry(const nlohmann::json& body, const char* name) {
    const nlohmann::json* value = member(body, name);
    if (value == nullptr) throw JsonBody::missing(name);
    try {
        // The same per-grid cap as POST /validate: it bounds what one edit costs the rules.
        return geo::polygons_from_geojson(*value, {rules::FeatureLimits{}.max_vertices_per_feature});
    } catch (const geo::GeoJsonError& e) {
        throw JsonBody::invalid(name, e.what(), "有效的多边形边界（GeoJSON Polygon 或 MultiPolygon）");
    }
}

std::vector<geo::Point> line(const nlohmann::json& body) {
    const nlohmann::json* value = member(body, "line");
    if (value == nullptr || !geo::has_type(*value, "LineString") ||
        !value->contains("coordinates") || !(*value)["coordinates"].is_array()) {
        throw JsonBody::invalid("line", "\"line\" must be a GeoJSON LineString", "一条线（GeoJSON LineString）");
    }
    constexpr std::size_t max_points = 100'000;
    const nlohmann::json& coordinates = (*value)["coordinates"];
    if (coordinates.size() < 2 || coordinates.size() > max_points) {
        throw JsonBody::invalid("line", "\"line\" needs 2 to " + std::to_string(max_points) + " positions",
                                "2 到 " + std::to_string(max_points) + " 个点的线");
    }
    std::vector<geo::Point> points;
    for (const nlohmann::json& position : coordinates) {
        points.push_back(geo::point_from_geojson({{"type", "Point"}, {"coordinates", position}}));
    }
    return points;
}

/// "tolerance_m" of /snap and of the check, if given.
std::optional<double> snap_tolerance(const nlohmann::json& body) {
    const nlohmann::json* value = member(body, "tolerance_m");
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) throw JsonBody::invalid("tolerance_m", "\"tolerance_m\" must be a number of metres", "以米计的数");
    return value->get<double>();
}

geo::Point position(const nlohmann::json& body, const char* name) {
    const nlohmann::json* value = member(body, name);
    if (value == nullptr) {
        throw JsonBody::invalid(name, std::string("\"") + name + "\" must be a [lon, lat] position", "[经度, 纬度] 坐标");
    }
    return geo::point_from_geojson({{"type", "Point"}, {"coordinates", *value}});
}

nlohmann::json feature(const model::Grid& grid) {
    nlohmann::json properties{{"code", grid.code},
                              {"name", grid.name},
                              {"level", model::to_string(grid.level)},
                              {"parent_code", grid.parent_code}};
    if (grid.dedicated()) properties["purpose"] = grid.purpose;
    return {{"type", "Feature"}, {"id", grid.code}, {"geometry", geo::to_geojson(grid.geometry)},
            {"properties", std::move(properties)}};
}

nlohmann::json edit_json(const drafts::Draft& draft, const drafts::EditResult& edit) {
    nlohmann::json features = nlohmann::json::array();
    for (const std::string& code : edit.changed) features.push_back(feature(draft.grid(code)));
    return {{"changed", edit.changed},
            {"removed", edit.removed},
            {"features", std::move(features)},
            {"report", rules::to_json(edit.report)}};
}

/// 400 with the refusal in English and Chinese, for the planner's map.
Response edit_refusal(const drafts::EditError& e) {
    return Response::json({{"error", {{"code", "edit_refused"}, {"message", e.what()}, {"message_zh", e.message_zh()}}}},
                          Status::bad_request);
}

/// Runs an edit on the draft of the request, locked, and renders its result.
template <class Edit>
Response edit_draft(const DraftBook& book, const Request& request, Edit&& edit) {
    const nlohmann::json body = parse_body(request);
    const LockedDraft locked = lock_draft(book, request);
    try {
        const drafts::EditResult result = edit(locked.draft(), body);
        return Response::json(edit_json(locked.draft(), result));
    } catch (const drafts::EditError& e) {
        return edit_refusal(e);
    }
}


/// What a publication changed, for the audit log: "draft 3: 12 grids;
/// re-derived 40 households, 2 facilities, 5 incidents".
std::string publish_detail(std::string_view draft_id, const drafts::PublishPlan& plan) {
    const store::LayoutPublication& publication = plan.publication;
    return "draft " + std::string(draft_id) + ": " + std::to_string(publication.grids.size()) +
           " grids; re-derived " + std::to_string(publication.households.size()) + " households, " +
           std::to_string(publication.facilities.size()) + " facilities, " +
           std::to_string(publication.incidents.size()) + " incidents";
}

/// What a publication did to staffing: the grids whose links it carried
/// over, and the new layout's grids without exactly one A岗 (a split's new
/// grid), at most `limit` of them listed.
nlohmann::json staffing_json(const model::Snapshot& snapshot, const store::LayoutPublication& publication,
                             std::size_t limit = 100) {
    nlohmann::json carried = nlohmann::json::array();
    for (const store::GridStaffLinks& grid : publication.staff) {
        if (grid.links.empty()) continue;
        std::string names;
        for (const model::GridStaff& link : snapshot.staff_of(grid.grid_code)) {
            if (!names.empty()) names += "、";
            names += link.staff->name + "（" + std::string(model::to_string(link.duty)) + "岗）";
        }
        carried.push_back({{"code", grid.grid_code}, {"message", "网格 " + grid.grid_code + " 的人员调整为：" + names}});
    }
    nlohmann::json lacking = nlohmann::json::array();
    std::size_t count = 0;
    const bool staffed = !snapshot.data().staff_grids.empty();  // else staffing is not managed here
    for (const model::Grid& grid : publication.grids) {
        if (!staffed || !grid.staffed_level()) continue;
        const auto message = rules::primary_staff_message(grid, primary_staff_count(snapshot, grid.code));
        if (!message) continue;
        if (++count <= limit) lacking.push_back({{"code", grid.code}, {"message", *message}});
    }
    return {{"carried", std::move(carried)}, {"without_primary", std::move(lacking)}, {"without_primary_count", count}};
}

/// A refusal found inside the Writer's make (its batch), carried out of it as a response.
class Refusal : public ClientError {
public:
    Refusal(ErrorKind kind, std::string code, const std::string& message, std::string message_zh,
            const rules::Report& report)
        : ClientError(kind, std::move(code), message, std::move(message_zh)), report_(rules::to_json(report)) {}
    /// The error with the report that explains it.
    [[nodiscard]] nlohmann::json body() const {
        return {{"error", {{"code", code()}, {"message", what()}, {"message_zh", message_zh()}}}, {"report", report_}};
    }

private:
    nlohmann::json report_;
};

}  // namespace

/// Puts the grids of an uploaded file into `draft` (see DraftFromGrids); returns the codes changed.
std::vector<std::string> put_grids(drafts::Draft& draft, std::vector<model::Grid> grids) {
    // Parents before children: a street before its communities before their grids.
    std::ranges::stable_sort(grids, {}, [](const model::Grid& grid) { return static_cast<int>(grid.level); });
    std::vector<std::string> changed;
    for (model::Grid& grid : grids) {
        const std::string code = grid.code;
        try {
            if (draft.changed().contains(code) || draft.deleted().contains(code)) {
                throw drafts::EditError("grid " + code + " appears twice in the file", "文件中网格编码重复出现");
            }
            if (const model::Grid* published = draft.base_grid(code); published == nullptr) {
                draft.add(std::move(grid));
            } else {
                if (grid.name != published->name) draft.rename(code, grid.name);
                if (grid.parent_code != published->parent_code) draft.reparent(code, grid.parent_code);
                draft.replace_geometry(code, std::move(grid.geometry));
            }
        } catch (const drafts::EditError& e) {
            throw ClientError(ErrorKind::unprocessable, "draft_refused", "grid " + code + ": " + e.what(),
                              "网格 " + code + "：" + e.message_zh());
        }
        changed.push_back(code);
    }
    return changed;
}

DraftFromGrids add_draft_routes(Router& router, const State& state, const DraftServices& services) {
    auto book = std::make_shared<DraftBook>(services.max_drafts);
    const AuthGate& gate = services.gate;
    Writer& writer = services.writer;
    const rules::Options rules = services.rules;
    const std::shared_ptr<const drafts::GridFacts> facts = services.facts;
    const auto require_editor = [&gate](const Request& request) {
        return gate.require(request, auth::Action::edit_drafts);
    };
    // Draft writes are audited here; publishing is audited by the Writer with the layout it stores.
    const auto audit_draft = [&gate](const Request& request, const auth::Principal& who, std::string action,
                                     const std::string& id, auth::Outcome outcome = auth::Outcome::ok) {
        gate.audit(request, who, std::move(action), "drafts", {id}, outcome,
                   std::string(to_string(request.method())) + " " + std::string(request.path()));
    };

    // Shares the layout's base (built once per version): on the worker pool.
    router.post(
        "/drafts",
        [&state, book, rules, facts, require_editor, audit_draft](const Request& request) {
            const auth::Principal who = require_editor(request);
            const auto view = state.view();
            drafts::Draft draft(book->base(view->snapshot()), rules, facts);
            const int base = draft.base_version();
            const std::size_t count = draft.size();
            const std::string id = book->add(std::move(draft));
            audit_draft(request, who, "drafts.create", id);
            return Response::json({{"id", id}, {"base_version", base}, {"grids", count}}, Status::created);
        },
        Execution::worker);

    // What the map needs to show the draft over the grid tiles of its base
    // version: the changed grids, the deleted codes and the check of the changes.
    router.get(
        "/drafts/{id}",
        [book, require_editor](const Request& request) {
            (void)require_editor(request);
            const LockedDraft locked = lock_draft(*book, request);
            const drafts::Draft& draft = locked.draft();
            nlohmann::json features = nlohmann::json::array();
            for (const auto& [code, grid] : draft.changed()) features.push_back(feature(grid));
            const rules::Report report = draft.validate_changes();
            return Response::json({{"type", "FeatureCollection"},
                                   {"id", request.param("id")},
                                   {"base_version", draft.base_version()},
                                   {"grids", draft.size()},
                                   {"features", std::move(features)},
                                   {"deleted", draft.deleted()},
                                   {"valid", report.valid()},
                                   {"violations", rules::to_json(report)["violations"]}});
        },
        Execution::worker);

    router.add(Method::delete_, "/drafts/{id}", [book, require_editor, audit_draft](const Request& request) {
        const auth::Principal who = require_editor(request);
        (void)book->find(request.param("id"));
        book->erase(request.param("id"));
        audit_draft(request, who, "drafts.delete", request.param("id"));
        return Response::bytes({}, "application/json", Status::no_content);
    }, Execution::io);

    const auto edit_route = [&router, book, require_editor, audit_draft](Method method, std::string_view pattern,
                                                                          auto edit) {
        router.add(
            method, pattern,
            [book, require_editor, audit_draft, edit](const Request& request) {
                const auth::Principal who = require_editor(request);
                Response response = edit_draft(*book, request, [&](drafts::Draft& draft, const nlohmann::json& body) {
                    return edit(draft, body, request);
                });
                // A refused edit (400 edit_refused) is an attempt: audited as an error.
                audit_draft(request, who, "drafts.edit", request.param("id"),
                            response.status() == Status::ok ? auth::Outcome::ok : auth::Outcome::error);
                return response;
            },
            Execution::worker);
    };

    edit_route(Method::post, "/drafts/{id}/grids",
               [](drafts::Draft& draft, const nlohmann::json& body, const Request&) {
                   model::Grid grid;
                   grid.code = text(body, "code");
                   grid.name = text(body, "name");
                   grid.parent_code = optional_text(body, "parent_code");
                   grid.level = rules::grid_level(optional_text(body, "level"), grid.code, "the new grid");
                   grid.purpose = optional_text(body, "purpose");
                   if (!grid.purpose.empty() && !grid.dedicated()) {
                       throw drafts::EditError("only a dedicated grid has a purpose", "只有专属网格才有专属类型");
                   }
                   grid.geometry = geometry(body, "geometry");
                   return draft.add(std::move(grid));
               });
    edit_route(Method::put, "/drafts/{id}/grids/{code}",
               [](drafts::Draft& draft, const nlohmann::json& body, const Request& request) {
                   const std::string& code = request.param("code");
                   std::optional<drafts::EditResult> result;
                   if (member(body, "name") != nullptr) result = draft.rename(code, text(body, "name"));
                   if (member(body, "parent_code") != nullptr) {
                       result = draft.reparent(code, text(body, "parent_code"));
                   }
                   if (member(body, "purpose") != nullptr) result = draft.set_purpose(code, text(body, "purpose"));
                   if (member(body, "geometry") != nullptr) {
                       result = draft.replace_geometry(code, geometry(body, "geometry"));
                   }
                   if (!result) throw ClientError(ErrorKind::bad_request, "bad_request",
                                                  "give at least one of \"geometry\", \"name\", \"parent_code\", \"purpose\"",
                                                  "请至少提供边界、名称、上级编码或专属类型中的一项");
                   return *std::move(result);
               });
    edit_route(Method::delete_, "/drafts/{id}/grids/{code}",
               [](drafts::Draft& draft, const nlohmann::json&, const Request& request) {
                   return draft.remove(request.param("code"));
               });
    edit_route(
        Method::post, "/drafts/{id}/split", [](drafts::Draft& draft, const nlohmann::json& body, const Request&) {
            return draft.split(text(body, "code"), line(body), text(body, "new_code"), optional_text(body, "new_name"));
        });
    edit_route(Method::post, "/drafts/{id}/merge",
               [](drafts::Draft& draft, const nlohmann::json& body, const Request&) {
                   return draft.merge(text(body, "keep"), text(body, "absorb"));
               });
    edit_route(Method::post, "/drafts/{id}/move-border",
               [](drafts::Draft& draft, const nlohmann::json& body, const Request&) {
                   return draft.move_border(text(body, "a"), text(body, "b"), line(body));
               });
    edit_route(Method::post, "/drafts/{id}/snap", [](drafts::Draft& draft, const nlohmann::json& body, const Request&) {
        return draft.snap(text(body, "code"), geometry(body, "geometry"), snap_tolerance(body).value_or(1.0));
    });

    // The live check while a border is dragged: one grid's candidate geometry
    // against its neighbourhood in the draft, the draft left as it is. Not a
    // write, so not audited; the server's per-client rate limit and the
    // cookie's cross-site check apply as to the edits.
    router.post(
        "/drafts/{id}/grids/{code}/check",
        [book, require_editor](const Request& request) {
            (void)require_editor(request);
            const nlohmann::json body = parse_body(request);
            geo::MultiPolygon candidate = geometry(body, "geometry");
            const std::optional<double> tolerance_m = snap_tolerance(body);
            const LockedDraft locked = lock_draft(*book, request);
            try {
                const drafts::Draft& draft = locked.draft();
                const std::string& code = request.param("code");
                // With a tolerance, the geometry as /snap would save it.
                if (tolerance_m) candidate = draft.snapped(code, candidate, *tolerance_m);
                return Response::json(rules::to_json(draft.check_geometry(code, candidate)));
            } catch (const drafts::EditError& e) {
                return edit_refusal(e);
            }
        },
        Execution::worker);

    edit_route(Method::post, "/drafts/{id}/move-vertex",
               [](drafts::Draft& draft, const nlohmann::json& body, const Request&) {
                   return draft.move_vertex(position(body, "from"), position(body, "to"));
               });

    router.post(
        "/drafts/{id}/renumber",
        [book, require_editor, audit_draft](const Request& request) {
            const auth::Principal who = require_editor(request);
            const nlohmann::json body = parse_body(request);
            const nlohmann::json* apply = member(body, "apply");
            if (apply != nullptr && !apply->is_boolean()) throw JsonBody::invalid("apply", "\"apply\" must be true or false", "true 或 false");
            const LockedDraft locked = lock_draft(*book, request);
            try {
                nlohmann::json proposals = nlohmann::json::array();
                for (const drafts::CodeProposal& p : locked.draft().propose_codes()) {
                    proposals.push_back({{"old", p.old_code}, {"new", p.new_code}});
                }
                if (apply == nullptr || !apply->get<bool>()) {
                    return Response::json({{"proposals", std::move(proposals)}});
                }
                nlohmann::json out = edit_json(locked.draft(), locked.draft().renumber());
                audit_draft(request, who, "drafts.edit", request.param("id"));
                out["proposals"] = std::move(proposals);
                return Response::json(out);
            } catch (const drafts::EditError& e) {
                return edit_refusal(e);
            }
        },
        Execution::worker);

    router.post(
        "/drafts/{id}/validate",
        [book, require_editor](const Request& request) {
            (void)require_editor(request);
            const LockedDraft locked = lock_draft(*book, request);
            return Response::json(rules::to_json(locked.draft().validate()));
        },
        Execution::worker);

    router.post(
        "/drafts/{id}/publish",
        [&state, &gate, &writer, book](const Request& request) {
            const auth::Principal who = gate.require(request, auth::Action::publish_layout);
            const std::string& id = request.param("id");
            const nlohmann::json body = parse_body(request);
            const nlohmann::json* confirm = member(body, "confirm");
            if (confirm != nullptr && !confirm->is_boolean()) throw JsonBody::invalid("confirm", "\"confirm\" must be true or false", "true 或 false");
            const bool confirmed = confirm != nullptr && confirm->get<bool>();
            const LockedDraft locked = lock_draft(*book, request);
            const drafts::Draft& draft = locked.draft();
            const model::Timestamp now = gate.now();
            drafts::PublishPlan plan;
            bool outdated = false;  // refused by the snapshot (the Writer audits a refusal by the store)
            try {
                plan = writer.publish_layout([&](const model::Snapshot& current) {
                    const int current_version = drafts::layout_version(current.current_grids());
                    if (draft.base_version() != current_version) {
                        outdated = true;
                        throw ClientError(ErrorKind::conflict, "draft_outdated",
                                        "the layout changed since this draft was made (draft of version " +
                                            std::to_string(draft.base_version()) + ", now version " +
                                            std::to_string(current_version) + ")",
                                        "网格布局在草案创建后已更新，请基于最新布局新建草案");
                    }
                    const rules::Report report = draft.validate();
                    if (!report.valid()) {
                        throw Refusal(ErrorKind::unprocessable, "draft_invalid",
                                      "the draft has errors; fix them before publishing",
                                      "草案存在错误，请先修正后再发布", report);
                    }
                    if (!report.violations.empty() && !confirmed) {
                        throw Refusal(ErrorKind::conflict, "confirm_required",
                                      "the draft has warnings; publish with \"confirm\": true",
                                      "草案有提示，需要确认后才能发布", report);
                    }
                    return drafts::plan_publication(draft, current, now);
                }, [&](const drafts::PublishPlan& published) {
                    return gate.audit_entry(request, who, "layouts.publish", "grids",
                                            {"version " + std::to_string(published.publication.grids.front().version)},
                                            auth::Outcome::ok, publish_detail(id, published));
                });
            } catch (const Refusal& refusal) {
                return Response::json(refusal.body(), status_of(refusal.kind()));
            } catch (const ClientError& error) {
                // An attempt to overwrite a newer layout is audited, as the store's refusal of one is.
                if (outdated) {
                    gate.audit(request, who, "layouts.publish", "grids", {}, auth::Outcome::error,
                               "draft " + id + ": " + error.code() + ": " + error.what());
                }
                throw;
            }
            book->erase(id);
            const auto view = state.view();
            return Response::json({{"version", plan.publication.grids.front().version},
                                   {"snapshot_version", view->snapshot().version()},
                                   {"valid_from", model::format_iso8601(plan.publication.at)},
                                   {"grids", plan.publication.grids.size()},
                                   {"moved", drafts::to_json(plan.moves)},
                                   {"staff", staffing_json(view->snapshot(), plan.publication)}});
        },
        Execution::write);

    return [book, rules, facts](const model::Snapshot& current, std::vector<model::Grid> grids) {
        drafts::Draft draft(book->base(current), rules, facts);
        UploadedDraft made;
        made.changed = put_grids(draft, std::move(grids));
        made.base_version = draft.base_version();
        made.grids = draft.size();
        made.report = draft.validate_changes();
        made.id = book->add(std::move(draft));
        return made;
    };
}

}  // namespace wangge::http
