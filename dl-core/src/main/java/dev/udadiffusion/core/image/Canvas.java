package dev.udadiffusion.core.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** The white, antialiased, titled canvas the charts draw on. */
final class Canvas {

    private Canvas() {
    }

    /** A w×h white image with {@code title} at x = {@code left}; the returned graphics draw in black. */
    static Graphics2D begin(BufferedImage img, String title, int left) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(title, left, 25);
        return g;
    }
}
