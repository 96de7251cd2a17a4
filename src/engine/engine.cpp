#include "carecoord/engine.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>

#include "carecoord/version.hpp"
#include "engine/engine_state.hpp"
#include "engine/evaluator.hpp"
#include "load/ruleset_loader.hpp"
#include "model/as_of.hpp"
#include "time/calendar.hpp"
#include "util/diagnostics.hpp"

namespace carecoord {

namespace {
Date day_of(DateTime t) { return std::chrono::floor<std::chrono::days>(t); }
}  // namespace

namespace detail {

std::vector<const rules::Plan*> EngineState::in_force(Date as_of) const {
    std::vector<const rules::Plan*> out;
    for (const auto& [id, versions] : by_id) {
        if (options.ignore_effective) {
            if (!versions.empty()) out.push_back(versions.back().get());
            continue;
        }
        for (const auto& p : versions)
            if (p->effective_from <= as_of && (!p->effective_until || as_of <= *p->effective_until)) {
                out.push_back(p.get());
                break;
            }
    }
    std::stable_partition(out.begin(), out.end(), [](const rules::Plan* p) { return p->has_tiers; });
    return out;
}

namespace {

// The newest day on or before as_of on which data the tier rules read changed: a condition
// became known (recorded, else onset) or abated, a stay was admitted or discharged, a
// long-term care placement decision was opened. Coverage, observations and undated fields
// (social screen, language, care team) have no date to go by.
std::optional<Date> newest_change(const Patient& p, Date as_of) {
    std::optional<Date> best;
    auto take = [&](const std::optional<Date>& d) {
        if (d && model::as_of::happened(*d, as_of) && (!best || *d > *best)) best = d;
    };
    for (const auto& c : p.conditions) {
        take(c.recorded ? c.recorded : c.onset);
        take(c.abatement);
    }
    for (const auto& e : p.encounters) {
        if (e.admit) take(day_of(*e.admit));
        if (e.discharge) take(day_of(*e.discharge));
    }
    take(p.ltc_placement.since);
    return best;
}

}  // namespace

EngineState::PreviousTier EngineState::previous_tier(const std::vector<const rules::Plan*>& plans,
                                                     const Patient& patient, Date as_of) const {
    PreviousTier out;
    if (patient.care_plan.tier || plans.empty() || !plans.front()->has_tiers) return out;
    if (std::none_of(plans.begin(), plans.end(), [](const rules::Plan* p) { return p->reads_previous_tier; }))
        return out;
    auto changed = newest_change(patient, as_of);
    if (!changed) return out;
    // The tier policy in force now, applied to what was known the day before the change: a
    // new ruleset version is not a change in the patient.
    const rules::Plan& plan = *plans.front();
    Date before = *changed - std::chrono::days{1};
    engine::Evaluator ev(plan, patient, before, engine::thread_scratch(), engine::TierInput{}, shared_codes_of(plan));
    int best = -1;
    for (const auto& r : plan.tier_rules)
        if (ev.truth(r.when) == 1) best = std::max(best, r.tier);
    out.known = true;
    out.tier = plan.tier_order[static_cast<std::size_t>(best < 0 ? plan.default_tier : best)];
    out.changed = *changed;
    return out;
}

}  // namespace detail

Engine::Engine(std::shared_ptr<const detail::EngineState> state) : state_(std::move(state)) {}
Engine::~Engine() = default;

namespace {

Diagnostic failure(const char* code, std::string message) { return util::make(code, std::move(message)); }

Result<Engine> build(const std::vector<load::SourceText>& sources, std::vector<Diagnostic> diagnostics,
                     const EngineOptions& options) {
    try {
        auto out = load::load_rulesets(sources, options.limits);
        diagnostics.insert(diagnostics.end(), out.diagnostics.begin(), out.diagnostics.end());
        if (!diagnostics.empty()) return diagnostics;
        if (out.plans.empty()) {
            Diagnostic d;
            d.code = "E0302";
            d.message = "no ruleset found (a file needs `kind: ruleset` or no kind)";
            if (sources.size() == 1) d.file = sources.front().name;
            return d;
        }
        auto state = std::make_shared<detail::EngineState>();
        state->options = options;
        for (std::size_t i = 0; i < out.plans.size(); ++i) {
            state->sources[out.plans[i].get()] = std::move(out.sources[i]);
            state->by_id[out.plans[i]->id].push_back(std::move(out.plans[i]));
        }
        for (auto& [id, versions] : state->by_id)
            std::sort(versions.begin(), versions.end(),
                      [](const auto& a, const auto& b) { return a->effective_from < b->effective_from; });
        std::vector<const rules::ValueSetTable*> canonical;
        for (const auto& [id, versions] : state->by_id)
            for (const auto& p : versions) {
                auto same = std::find_if(canonical.begin(), canonical.end(),
                                         [&](const rules::ValueSetTable* t) { return t->same_lookup(p->valuesets); });
                if (same == canonical.end()) same = canonical.insert(canonical.end(), &p->valuesets);
                state->shared_codes[p.get()] = *same;
            }
        return detail::EngineState::make(std::move(state));
    } catch (...) {
        return util::exception_diagnostic("loading rulesets");
    }
}

std::vector<load::SourceText> read_sources(const std::vector<std::string>& paths, const EngineOptions& options,
                                           std::vector<Diagnostic>& diagnostics) {
    std::vector<load::SourceText> sources;
    for (const auto& path : paths)
        for (const auto& file : load::ruleset_files(path, diagnostics, options.include_roots)) {
            load::SourceText s;
            s.name = file;
            s.dir = std::filesystem::path(file).parent_path().string();
            if (s.dir.empty()) s.dir = ".";
            s.confine = util::confinement_of_file(file, options.include_roots);
            if (load::read_file(file, options.limits.max_file_bytes, s.text, diagnostics)) sources.push_back(std::move(s));
        }
    return sources;
}

}  // namespace

Result<Engine> Engine::load_paths(const std::vector<std::string>& paths, const EngineOptions& options) {
    std::vector<Diagnostic> diagnostics;
    auto sources = read_sources(paths, options, diagnostics);
    return build(sources, std::move(diagnostics), options);
}

Result<Engine> Engine::load_path(const std::string& path, const EngineOptions& options) {
    return load_paths({path}, options);
}

Result<Engine> Engine::load_file(const std::string& path, const EngineOptions& options) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        Diagnostic d;
        d.code = "E0311";
        d.file = path;
        d.message = "is a directory; use load_directory";
        return d;
    }
    return load_paths({path}, options);
}

Result<Engine> Engine::load_directory(const std::string& path, const EngineOptions& options) {
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
        Diagnostic d;
        d.code = "E0311";
        d.file = path;
        d.message = "not a directory";
        return d;
    }
    return load_paths({path}, options);
}

Result<Engine> Engine::load_string(std::string_view yaml, std::string_view name, const EngineOptions& options) {
    load::SourceText s;
    s.name = std::string(name);
    s.text = std::string(yaml);
    if (s.text.size() > options.limits.max_file_bytes) {
        Diagnostic d;
        d.code = "E0105";
        d.file = s.name;
        d.message = "the ruleset is larger than the limit max_file_bytes (" + std::to_string(options.limits.max_file_bytes) + ")";
        return d;
    }
    return build({s}, {}, options);
}

namespace {
RulesetInfo info_of(const rules::Plan& p) {
    RulesetInfo info{p.id,   p.version,     p.sha256, p.effective_from, p.effective_until,
                     p.file, p.description, p.has_tiers ? p.tier_order : std::vector<std::string>{}, {}, {}, {}, {}};
    for (const auto& rule : p.tier_rules) info.tier_rules.push_back(rule.id);
    for (const auto& flag : p.flags) {
        info.flags.push_back({flag.id, {}});
        for (const auto& rule : flag.rules) info.flags.back().rules.push_back(rule.id);
    }
    for (const auto& program : p.programs) info.programs.push_back({program.id, program.name});
    for (const auto& trigger : p.triggers) info.triggers.push_back(trigger.id);
    return info;
}
}  // namespace

std::vector<RulesetInfo> Engine::rulesets() const {
    std::vector<RulesetInfo> out;
    for (const auto& [id, versions] : state_->by_id)
        for (const auto& p : versions) out.push_back(info_of(*p));
    return out;
}

std::vector<RulesetInfo> Engine::rulesets_in_force(Date as_of) const {
    std::vector<RulesetInfo> out;
    for (const auto* p : state_->in_force(as_of)) out.push_back(info_of(*p));
    return out;
}

namespace {

Diagnostic date_error(const char* code, std::string field_path, std::string message) {
    Diagnostic d;
    d.code = code;
    d.field_path = std::move(field_path);
    d.message = std::move(message);
    return d;
}

// Dates no evaluation can make sense of: a patient not born at the as-of date, records dated
// before birth. Messages name the fields, never the dates.
std::vector<Diagnostic> impossible_dates(const Patient& p, Date as_of) {
    std::vector<Diagnostic> out;
    if (!model::as_of::born(p, as_of))
        out.push_back(date_error("E0212", "birth_date", "birth_date is after the as-of date: the patient was not born yet"));
    // The condition's dates, each with its field and message; the field path is built only
    // for a date at fault (the usual patient has none).
    struct DatedField {
        std::optional<Date> Condition::*date;
        const char* field;
        const char* message;
    };
    static constexpr DatedField kConditionDates[] = {
        {&Condition::onset, "onset", "condition onset is before birth_date"},
        {&Condition::recorded, "recorded", "condition recorded date is before birth_date"},
        {&Condition::abatement, "abatement", "condition abatement is before birth_date"},
    };
    for (std::size_t i = 0; i < p.conditions.size(); ++i)
        for (const auto& d : kConditionDates) {
            const auto& date = p.conditions[i].*d.date;
            if (date && *date < p.birth_date)
                out.push_back(date_error("E0213", "conditions[" + std::to_string(i) + "]." + d.field, d.message));
        }
    for (std::size_t i = 0; i < p.encounters.size(); ++i)
        if (p.encounters[i].admit && day_of(*p.encounters[i].admit) < p.birth_date)
            out.push_back(date_error("E0214", "encounters[" + std::to_string(i) + "].admit", "encounter admission is before birth_date"));
    return out;
}

// A patient who died on or before as_of is off every worklist: the lowest tier, no flag, no
// program, no trigger, whatever the rulesets say (a death after as_of is not known yet).
void apply_death(const std::vector<const rules::Plan*>& plans, Date died, Determination& out) {
    out.deceased = died;
    std::string when = time::format_date(died);
    if (!plans.empty() && plans.front()->has_tiers) {
        out.tier.tier = plans.front()->tier_order.front();
        out.tier.by_default = false;
        out.tier.matched.clear();
    }
    out.flags.clear();
    for (auto& p : out.programs) {
        p.status = Eligibility::not_eligible;
        p.reason = "Deceased " + when + ": no program enrolls a patient after death";
        p.missing.clear();
    }
    out.triggers.clear();
    out.missing.clear();
}

// One ruleset's sections, in the order they see each other: the tier first (flags,
// programs and triggers read it), then flags, programs, triggers, and the facts listed for
// an explanation.
struct PlanRun {
    const rules::Plan& plan;
    engine::Evaluator& ev;
    Determination& out;
    std::uint64_t& missing_all;  // every field reported missing, as bits
};

void decide_tier(PlanRun& r) {
    const rules::Plan& plan = r.plan;
    engine::Evaluator& ev = r.ev;
    Determination& out = r.out;
    int best = -1;
    std::vector<std::pair<int, const rules::CompiledRule*>> matched;
    for (const auto& rule : plan.tier_rules) {
        if (ev.truth(rule.when) == engine::true_truth) {
            matched.emplace_back(rule.tier, &rule);
            best = std::max(best, rule.tier);
        }
    }
    std::stable_sort(matched.begin(), matched.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    out.tier.by_default = best < 0;
    out.tier.tier = plan.tier_order[static_cast<std::size_t>(best < 0 ? plan.default_tier : best)];
    out.tier.matched.clear();
    for (const auto& [t, rule] : matched) out.tier.matched.push_back(RuleMatch{rule->id, ev.render(rule->reason), rule->source});
    // Flags and everything after them see the tier just decided.
    engine::TierInput decided = ev.tier_input();
    decided.known = true;
    decided.tier = out.tier.tier;
    ev.set_tier(decided);
}

void evaluate_flags(PlanRun& r) {
    for (const auto& f : r.plan.flags) {
        FlagResult fr;
        fr.id = f.id;
        for (const auto& rule : f.rules)
            if (r.ev.truth(rule.when) == engine::true_truth)
                fr.matched.push_back(RuleMatch{rule.id, r.ev.render(rule.reason), rule.source});
        if (!fr.matched.empty()) r.out.flags.push_back(std::move(fr));
    }
}

void evaluate_programs(PlanRun& r) {
    engine::Evaluator& ev = r.ev;
    for (const auto& p : r.plan.programs) {
        ProgramResult pr;
        pr.id = p.id;
        pr.source = p.source;
        if (p.payer_mask && !ev.has_coverage(p.payer_mask)) {
            pr.status = Eligibility::not_eligible;
            pr.reason = p.no_coverage_reason;
            r.out.programs.push_back(std::move(pr));
            continue;
        }
        std::uint64_t before = ev.missing();
        ev.clear_missing();
        const engine::Truth t = ev.truth(p.when);
        std::uint64_t used = ev.missing();
        pr.status = t == engine::true_truth    ? Eligibility::eligible
                    : t == engine::false_truth ? Eligibility::not_eligible
                                               : Eligibility::unknown;
        if (t == engine::unknown_truth) engine::Evaluator::missing_names(used, pr.missing);
        if (t == engine::false_truth && !p.not_reason.empty()) pr.reason = ev.render(p.not_reason);
        else if (t != engine::false_truth || p.not_reason.empty()) pr.reason = t == engine::false_truth ? "" : ev.render(p.reason);
        ev.clear_missing();
        r.missing_all |= before | used;
        r.out.programs.push_back(std::move(pr));
    }
}

void evaluate_triggers(PlanRun& r, Date as_of) {
    engine::Evaluator& ev = r.ev;
    for (const auto& trig : r.plan.triggers) {
        rules::Value anchor = ev.eval(trig.anchor);
        if (anchor.state != rules::Value::known) continue;
        ev.set_anchor(anchor);
        if (trig.when >= 0 && ev.truth(trig.when) != engine::true_truth) continue;
        rules::Value due = ev.eval(trig.due);
        if (due.state != rules::Value::known) continue;
        TriggerResult tr;
        tr.id = trig.id;
        const auto& at = r.plan.nodes[static_cast<std::size_t>(trig.anchor)].type;
        const auto& dt = r.plan.nodes[static_cast<std::size_t>(trig.due)].type;
        auto to_day = [](std::int64_t minutes) {
            std::int64_t d = minutes / 1440;
            if (minutes % 1440 != 0 && minutes < 0) --d;
            return d;
        };
        tr.anchor = Date{std::chrono::days{at.kind == rules::TypeKind::datetime ? to_day(anchor.i) : anchor.i}};
        if (dt.kind == rules::TypeKind::datetime) {
            tr.due_time = DateTime{std::chrono::minutes{due.i}};
            tr.due = Date{std::chrono::days{to_day(due.i)}};
        } else {
            tr.due = Date{std::chrono::days{due.i}};
        }
        tr.status = tr.due < as_of ? TriggerStatus::overdue : TriggerStatus::open;
        tr.action = trig.action;
        tr.reason = ev.render(trig.reason);
        tr.source = trig.source;
        r.out.triggers.push_back(std::move(tr));
    }
    ev.set_anchor(rules::Value::none_value());
}

// The facts for an explanation, each name once across the rulesets in force.
void list_facts(PlanRun& r, std::vector<std::string>& fact_names) {
    for (const auto& f : r.plan.facts) {
        if (std::find(fact_names.begin(), fact_names.end(), f.name) != fact_names.end()) continue;
        fact_names.push_back(f.name);
        rules::Value v = r.ev.eval(f.node);
        std::string text;
        r.ev.format(v, f.type, text);
        r.out.facts.push_back(FactValue{f.name, std::move(text)});
    }
}

void evaluate_plan(const rules::Plan& plan, const rules::ValueSetTable* shared_codes, const Patient& patient, Date as_of,
                   engine::TierInput tier_in, Determination& out, std::uint64_t& missing_all,
                   const EvaluateOptions& options, std::vector<std::string>& fact_names) {
    engine::Evaluator ev(plan, patient, as_of, engine::thread_scratch(), tier_in, shared_codes);
    PlanRun run{plan, ev, out, missing_all};
    if (plan.has_tiers) decide_tier(run);
    evaluate_flags(run);
    evaluate_programs(run);
    evaluate_triggers(run, as_of);
    // Listing the facts for an explanation reads fields nothing needed: not missing data.
    missing_all |= ev.missing();
    if (options.include_facts) list_facts(run, fact_names);
}

}  // namespace

Result<Determination> Engine::evaluate(const Patient& patient, Date as_of, const EvaluateOptions& options) const {
    try {
        Determination out;
        out.patient_id = patient.id;
        out.as_of = as_of;
        out.engine_version = CARECOORD_VERSION_STRING;
        auto plans = state_->in_force(as_of);
        if (plans.empty()) return failure(codes::no_ruleset_in_force, "no loaded ruleset is in force at the as-of date");
        engine::thread_scratch().steps_left = state_->options.limits.max_evaluation_steps;
        engine::thread_scratch().codes_table = nullptr;  // a new patient: no code looked up yet
        if (plans.size() > 1 && plans[1]->has_tiers)
            return failure(codes::tiers_twice, "more than one ruleset in force defines tiers: " + plans[0]->id + " and " + plans[1]->id);
        if (auto bad = impossible_dates(patient, as_of); !bad.empty()) return bad;
        std::uint64_t missing = 0;
        std::vector<std::string> fact_names;
        // Every plan that is not only a workflow adds one ruleset and one result per program:
        // room for them once, not grown (and every result moved) program by program.
        std::size_t n_rulesets = 0, n_programs = 0;
        for (const auto* plan : plans)
            if (!plan->workflow_only()) {
                ++n_rulesets;
                n_programs += plan->programs.size();
            }
        out.rulesets.reserve(n_rulesets);
        out.programs.reserve(n_programs);
        auto previous = state_->previous_tier(plans, patient, as_of);
        for (const auto* plan : plans) {
            if (plan->workflow_only()) continue;
            out.rulesets.push_back(RulesetRef{plan->id, plan->version, plan->sha256});
            engine::TierInput tier{false, {}, previous.known, previous.tier,
                                   static_cast<std::int32_t>(previous.changed.time_since_epoch().count())};
            if (!plan->has_tiers && plans.front()->has_tiers) {
                tier.known = true;
                tier.tier = out.tier.tier;
            }
            evaluate_plan(*plan, state_->shared_codes_of(*plan), patient, as_of, tier, out, missing, options, fact_names);
        }
        for (const auto& entry : state_->by_id) {
            const std::string& id = entry.first;
            if (entry.second.front()->workflow_only()) continue;
            if (std::none_of(plans.begin(), plans.end(), [&](const rules::Plan* p) { return p->id == id; }))
                out.rulesets_not_in_force.push_back(id);
        }
        engine::Evaluator::missing_names(missing, out.missing);
        std::sort(out.triggers.begin(), out.triggers.end(), [](const TriggerResult& a, const TriggerResult& b) {
            return a.due != b.due ? a.due < b.due : a.id < b.id;
        });
        if (model::as_of::died(patient, as_of)) apply_death(plans, *patient.deceased, out);
        return out;
    } catch (const engine::BudgetExceeded&) {
        return failure("E0504", engine::budget_message(state_->options.limits.max_evaluation_steps));
    } catch (...) {
        return util::exception_diagnostic("evaluating");
    }
}

}  // namespace carecoord
