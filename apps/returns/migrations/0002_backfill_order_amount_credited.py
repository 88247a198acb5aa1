"""Orders refunded as store credit before `Order.amount_credited` existed: the field is the sum
of their store credit refunds, so that a later cancellation does not give that money back
again."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Sum


def backfill(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    RefundRequest = apps.get_model("returns", "RefundRequest")
    credited = (
        RefundRequest.objects.filter(order=OuterRef("pk"), store_credit=True)
        .order_by()
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    Order.objects.filter(pk__in=RefundRequest.objects.filter(store_credit=True).values("order")).update(
        amount_credited=Subquery(credited)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_order_amount_credited"),
        ("returns", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
