package dev.tollgate.config;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * USD amounts. Outside (spec, status, headers) they are decimal strings; inside they are {@code long}
 * micro-dollars (1 USD = 1,000,000 micros). Never a float.
 */
public final class Money {
    public static final long MICROS_PER_USD = 1_000_000L;

    private Money() {}

    /** Parses "25", "25.5", "0.000150" into micros. Throws IllegalArgumentException with a usable message. */
    public static long parseMicros(String decimal) {
        if (decimal == null || !decimal.matches("[0-9]{1,12}(\\.[0-9]{1,6})?")) {
            throw new IllegalArgumentException("'" + decimal + "' is not a USD amount: write a decimal string with "
                    + "at most 6 decimals, e.g. \"25.00\" or \"0.15\"");
        }
        return new BigDecimal(decimal).movePointRight(6).longValueExact();
    }

    /** Formats micros with at least two decimals and no trailing zeros beyond them: 25000000 -> "25.00", 150 -> "0.00015". */
    public static String format(long micros) {
        if (micros >= 0) {
            // every answer's x-tollgate-cost: integer digits, no BigDecimal
            long frac = micros % MICROS_PER_USD;
            int digits = 6;
            while (digits > 2 && frac % 10 == 0) {
                frac /= 10;
                digits--;
            }
            String f = Long.toString(frac);
            return (micros / MICROS_PER_USD) + "." + "000000".substring(0, digits - f.length()) + f;
        }
        BigDecimal usd = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
        if (usd.scale() < 2) {
            usd = usd.setScale(2, RoundingMode.UNNECESSARY);
        }
        return usd.toPlainString();
    }
}
