package io.ddb2sf.snowflake;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.dynamodb.TypedValues;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class SchemaChangesTest {

    /** The SQL fill decides "fits" by this pattern; the export decides it by TypedValues. They must agree. */
    @Test
    void shouldCallANumberAFitExactlyWhenTheExportDoes() {
        Random random = new Random(14);
        String[] fixed = {"0", "-0", "1", "-1", "0.5", "12.345", "12.3450", "1.23456", "0.001", "-0.0001", "100", "1000.000",
                "12345678901234567890123456789012345678", "123456789012345678901234567890123456789",
                "1234567890123456789012345678901234567.5", "0.12345678901234567890123456789012345678", "007", "7.10"};
        for (int scale = 0; scale <= 37; scale++) {
            Pattern fits = Pattern.compile(SchemaChanges.fitsPattern(scale));
            ColumnSpec column = new ColumnSpec("n", "N", ColumnSpec.ScalarType.N, scale);
            for (int i = 0; i < 400 + fixed.length; i++) {
                String n = i < fixed.length ? fixed[i] : randomNumber(random);
                Object typed = TypedValues.of(List.of(column), Map.of("n", AttributeValue.fromN(n)), new TypedValues.Counter()).get(0);
                assertThat(fits.matcher(n).matches()).as(n + " in NUMBER(38," + scale + ")").isEqualTo(typed != null);
                if (typed != null) {
                    assertThat(new BigDecimal(n).setScale(scale)).isEqualTo(typed);
                }
            }
        }
    }

    private static String randomNumber(Random random) {
        StringBuilder b = new StringBuilder(random.nextBoolean() ? "-" : "");
        int integer = 1 + random.nextInt(40);
        for (int i = 0; i < integer; i++) {
            b.append(i == 0 && integer > 1 ? (char) ('1' + random.nextInt(9)) : (char) ('0' + random.nextInt(10)));
        }
        if (random.nextBoolean()) {
            b.append('.');
            int fraction = 1 + random.nextInt(40);
            for (int i = 0; i < fraction; i++) {
                b.append((char) ('0' + random.nextInt(10)));
            }
        }
        return b.toString();
    }

    @Test
    void shouldRenderAnItemValueAsOneExpressionWithTheAttributeQuoted() {
        String sql = SchemaChanges.itemValue(new ColumnSpec("it's", "ITS", ColumnSpec.ScalarType.N, 2)).sql();
        assertThat(sql).startsWith("(IFF(").endsWith(")").doesNotContain("--").doesNotContain("\n").contains("'it''s'",
                "AS NUMBER(38,2)");
    }
}
