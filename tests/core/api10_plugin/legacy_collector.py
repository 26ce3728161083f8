"""The API 1.0 plugin's collector: plan and collect only, as API 1.0 asked."""

from cloudscope.api import Asset, Collector, ScopeKey


class LegacyCollector(Collector):
    """Two boxes in one scope."""

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--boxes", type=int, default=2)

    def plan(self):
        return [ScopeKey(provider="legacy", account="acct", service="boxes")]

    def collect(self, scope):
        for index in range(self.options["boxes"]):
            yield Asset(id=f"legacy-box-{index}", provider="legacy",
                        asset_type="legacy:boxes:box", account="acct")
